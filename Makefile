# The two commands of the README: `make demo` and `make test`. Both set up .venv on a fresh machine.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
OUT    ?= out/demo

.PHONY: demo test install data bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

data: $(STAMP)
	$(PY) -m pipeline.sample_data

# The whole chain on the sample: dump -> corpus -> pairs (a learned vocab; more pairs per article
# and 60/20/20 splits because the sample is small) -> `tiny` training -> SavedModels -> recall table.
demo: data
	$(PY) -m pipeline.run --input='data/*.xml*.bz2' --output_dir=$(OUT) \
	    --vocab_size=2000 --split_fractions=0.6,0.2,0.2 \
	    --ict_per_article=16 --bfs_per_article=8 --wlp_max_per_target=8
	$(PY) -m trainer.task --config=tiny --train_data=$(OUT)/pairs/train \
	    --eval_data=$(OUT)/pairs/valid --model_dir=$(OUT)/model --set model.vocab_size=2000

# One pytest-xdist worker per logical CPU, at most 4 (each can take a few GB while it trains);
# loadgroup keeps the tests marked xdist_group (the docs' command blocks, which run in order on
# one workspace) on one worker and spreads the rest.
TEST_WORKERS ?= logical
test: data
	$(PY) -m pytest -q -n $(TEST_WORKERS) --maxprocesses=4 --dist loadgroup

bench: data
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) bench/corpus_bench.py

clean:
	rm -rf out .pytest_cache
