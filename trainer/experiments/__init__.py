"""Experiments built from the project's commands (each step a subprocess, as a user would run it)."""
