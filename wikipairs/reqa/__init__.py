"""ReQA (Ahmad et al. 2019): answer-sentence retrieval over SQuAD-format data, the evaluation of
Chang et al. 2020; readers and converters for SQuAD and Natural Questions, the candidate set, BM25,
ranks and metrics, and pair shards for fine-tuning. Nothing here imports TensorFlow at module
level, so BM25-only evaluation needs no model."""
