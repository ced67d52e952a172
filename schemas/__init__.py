"""The one definition of every on-disk format of wikipairs. Pipeline, trainer and CLI import it."""
