# The two set-up commands of the README are `make sample` and `make test`; each creates .venv/ if needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat setup.py | sha256sum | cut -c1-12)
OUT ?= out/sample

.PHONY: install sample test browser bench train-ner train-sources eval clean dataflow-dry-run

$(STAMP): setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and pinned, so that camel-tools' dependency resolves to the CPU-sized build
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[aws,test]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

## Run the whole job on the bundled sample (DirectRunner) and print the summary.
sample: $(STAMP)
	$(BIN)/newscorpus run sample_data/ --output $(OUT) --report

## Install what the tests need and run them (CI runs exactly this).
test: $(STAMP) browser
	$(BIN)/python -m pytest -q tests

# The report's test renders it in a real headless browser: Debian's chromium (installed when root).
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "chromium is not installed: the report's browser test will be skipped"

## Benchmarks on ../shared/data (each skips with a message when the data is absent).
bench: $(STAMP)
	$(BIN)/python bench/bench_pipeline.py

eval: $(STAMP)
	$(BIN)/python bench/eval_langspans.py
	$(BIN)/python bench/eval_dedup.py
	$(BIN)/python bench/eval_ner.py
	$(BIN)/python bench/eval_sources.py

## Retrain the Arabic NER model from ../shared/data (skips with a message without it); ~30 min from scratch.
train-ner: $(STAMP)
	$(BIN)/pip install --quiet -e '.[train]'
	$(BIN)/python scripts/train_ner.py --stage2 --ship --processes 2
	$(BIN)/python scripts/train_ner_neural.py --average-last 6 --epochs 20 --ship

## Retrain the sources span model on the gold sets (needs ../shared/data for the article texts); ~25 min with --cv (1,408 s on 2 cores).
train-sources: $(STAMP)
	$(BIN)/python scripts/train_sources_crf.py --cv

## Build the sdist and translate the job for Dataflow without submitting (needs apache-beam[gcp]; own venv).
dataflow-dry-run:
	scripts/dataflow_dry_run.sh

clean:
	rm -rf out .pytest_cache
