"""Dense retrieval with exported towers: loading the SavedModels, encoding text in batches, and
vector indexes for search."""
