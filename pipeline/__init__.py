"""The wikipairs Beam job: MediaWiki XML dumps in, a linked corpus and training pairs out."""
