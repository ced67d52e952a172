"""The wikipairs Beam job: MediaWiki XML dumps in, a linked corpus and training pairs out."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # no start-up notices; errors still raise
