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

# The sample is small: 80/10/10 splits so that the held-out splits are not empty.
demo: data
	TF_USE_LEGACY_KERAS=1 TF_CPP_MIN_LOG_LEVEL=2 $(PY) -m pipeline.run --input='data/*.xml*.bz2' --output_dir=$(OUT) \
	    --vocab=data/bert-base-uncased-vocab.txt --split_fractions=0.8,0.1,0.1

test: data
	$(PY) -m pytest -q

bench: data
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) bench/corpus_bench.py

clean:
	rm -rf out .pytest_cache
