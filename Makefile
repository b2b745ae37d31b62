# Two commands do all the set-up: `make run` (ingest corpus/ and start the app) and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install ingest chroma bench eval lint clean

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null || { echo "python3.11 is required"; exit 2; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test,eval]'
	touch $(STAMP)

install: $(STAMP)

# exit code 3 = some files were reported and left out (e.g. a scanned PDF without Tesseract): serve
run: $(STAMP)
	$(BIN)/kb ingest corpus || test $$? -eq 3
	$(BIN)/kb serve --watch corpus

ingest: $(STAMP)
	$(BIN)/kb ingest corpus

test: $(STAMP)
	@bash tests/setup-debian.sh
	$(BIN)/python -m pytest

chroma: $(STAMP)
	$(BIN)/chroma run --path .kb/chroma-server --host 127.0.0.1 --port 8000

eval: $(STAMP)
	$(BIN)/kb eval

bench: $(STAMP)
	$(BIN)/kb bench

lint: $(STAMP)
	$(BIN)/ruff check kb ingest eval tests app.py

clean:
	rm -rf $(VENV) .kb
