# Everything a fresh machine needs, from nothing: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Where `make serve` listens, and how many gunicorn workers it runs.
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
# The database `make db`/`serve` keep fresh: the one the app serves (ANCHORED_NEWS_DATABASE, as data/cli.py builds).
DB := $(or $(ANCHORED_NEWS_DATABASE),data/corpus.db)
FLASK := $(BIN)/flask --app api
# The database is stale when any seed or any code that builds it is newer (the same code the
# build id hashes: every .py under data/ and schemas/).
BUILD_INPUTS := $(wildcard seeds/*) $(shell find data schemas -name '*.py' -not -path '*/__pycache__/*')

.PHONY: help install install-test serve test test-fast lint check new-source db db-full spec clean

# The first target: `make` alone lists the targets.
help: ## List the targets, one line each
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk 'BEGIN {FS = ":.*## "} {printf "  %-16s %s\n", $$1, $$2}'

# Targets of the contract, reliability and benchmark tool chains live in mk/*.mk; each may add
# to TEST_DEPS what `make test` must set up first (npm tools, Debian packages).
TEST_DEPS :=
-include $(sort $(wildcard mk/*.mk))

# Two stamps: the runtime (what `make serve` needs) and the test extras on top (what `make test`,
# `make lint` and the tool chains need), so a server's .venv carries no test tools.
$(BIN)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(BIN)/.installed: $(BIN)/.runtime
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.runtime ## Create .venv with the project and its runtime only (what serving needs)

install-test: $(BIN)/.installed ## Add the test extras to .venv (pytest, schemathesis, ruff, mypy, ...)

$(DB): $(BUILD_INPUTS) | $(BIN)/.runtime
	$(FLASK) build-db

db: $(DB) ## Build data/corpus.db from seeds/ (when stale; incremental when it exists)

db-full: | $(BIN)/.runtime ## Build data/corpus.db from scratch (flask build-db --full)
	$(FLASK) build-db --full

# Validate the annotations without touching the database.
check: install ## Validate the annotations without touching the database
	$(FLASK) build-db --check

# Add an article: its text copied into seeds/ under the naming rule, and a draft annotation beside it.
new-source: install ## Add FILE=article.txt to seeds/ with a draft annotation (PUBLISHED=YYYY-MM-DD if known)
	@test -n "$(FILE)" || { echo "usage: make new-source FILE=article.txt [PUBLISHED=YYYY-MM-DD]" >&2; exit 2; }
	$(FLASK) new-source "$(FILE)"$(if $(PUBLISHED), --published $(PUBLISHED))

# Regenerate openapi.yaml from the code (commit the result).
spec: $(DB) ## Regenerate openapi.yaml from the code (its examples are records of the built database)
	$(FLASK) spec --output openapi.yaml

serve: $(DB) ## Serve the API with gunicorn on HOST:PORT (default 127.0.0.1:8000), WORKERS workers (default 2)
	$(BIN)/gunicorn --config api/gunicorn_conf.py --bind $(HOST):$(PORT) --workers $(WORKERS) 'api:create_app()'

test: install-test $(TEST_DEPS) ## Every test: in-process, live servers, tool chains (~15 min)
	$(BIN)/pytest

# The in-process tier: no server process, no external tool chain, no large synthetic corpus.
test-fast: install-test ## In-process tests only (no live, tools or slow tests; ~20 s)
	$(BIN)/pytest -m "not live and not tools and not slow"

lint: install-test ## ruff check, ruff format --check and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean: ## Remove .venv, the database and pytest's cache
	rm -rf $(VENV) data/corpus.db .pytest_cache
