"""`wikipairs`: inspect, validate and export the pair shards the Beam job writes.

`wikipairs.cli.main` parses the command line and imports a command's module (and TensorFlow) only when that
command runs, so `wikipairs --help` is instant.
"""
