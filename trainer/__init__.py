"""The two-tower trainer (a later issue)."""
