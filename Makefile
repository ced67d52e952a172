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

demo: data
	$(PY) -m pipeline.run --input='data/*.xml*.bz2' --output_dir=$(OUT)

test: data
	$(PY) -m pytest -q

bench: data
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) bench/corpus_bench.py

clean:
	rm -rf out .pytest_cache
