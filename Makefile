# gfmd-search: `make demo` sets up and runs the sample; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
QUERY ?= what has GFMD said about skills partnerships?
INITIATIVE ?= a skills partnership for nurses between a country of origin and a destination country

.PHONY: install demo serve lint test test-all bench eval-scifact eval-cranfield eval-sample eval-citations clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[api,eval,test]'
	touch $@

demo: install
	$(BIN)/gfmd-search ingest corpus
	$(BIN)/gfmd-search stats
	$(BIN)/gfmd-search search "$(QUERY)" --k 5
	$(BIN)/gfmd-search search "$(QUERY)" --k 5 --doc-type practice --group --facet country --facet theme
	$(BIN)/gfmd-search partners "$(INITIATIVE)" --k 5

serve: install
	$(BIN)/gfmd-search serve

lint: install
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest -m "not slow" -q

test-all: lint
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python benchmarks/ingest_bench.py

eval-sample: install
	$(BIN)/gfmd-search eval eval/queries/gfmd-sample --corpus corpus --out eval/results/gfmd-sample

eval-scifact: install
	$(BIN)/gfmd-search eval ../shared/data/scifact --out eval/results/scifact

eval-citations: install
	$(BIN)/python -m gfmd_search_eval.citations ../shared/data/iom-pdfs --out eval/results/citations

eval-cranfield: install
	$(BIN)/gfmd-search eval ../shared/data/cranfield --out eval/results/cranfield

clean:
	rm -rf index eval/cache .pytest_cache
