# Everything a fresh machine needs, from nothing: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DB := data/corpus.db
FLASK := $(BIN)/flask --app api
# The database is stale when any seed or any code that builds it is newer.
BUILD_INPUTS := $(wildcard seeds/*) $(wildcard data/*.py) $(wildcard schemas/*.py)

.PHONY: install serve test check db spec clean

# Targets of the contract, reliability and benchmark tool chains live in mk/*.mk; each may add
# to TEST_DEPS what `make test` must set up first (npm tools, Debian packages).
TEST_DEPS :=
-include $(sort $(wildcard mk/*.mk))

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

$(DB): $(BUILD_INPUTS) | $(BIN)/.installed
	$(FLASK) build-db

db: $(DB)

# Validate the annotations without touching the database.
check: install
	$(FLASK) build-db --check

# Regenerate openapi.yaml from the code (commit the result).
spec: $(DB)
	$(FLASK) spec --output openapi.yaml

serve: $(DB)
	$(BIN)/gunicorn --config api/gunicorn_conf.py --bind 127.0.0.1:$(PORT) 'api:create_app()'

test: install $(TEST_DEPS)
	$(BIN)/pytest

clean:
	rm -rf $(VENV) $(DB) .pytest_cache
