# `make bench`: the load benchmark of issue 4 (not part of `make test`). It installs what it needs:
# wrk from Debian, and Datasette with uvicorn in a separate venv (bench/.venv) so that nothing of
# the benchmark leaks into the project's own environment. Results: bench/work/results.md; see
# bench/RESULTS.md for a recorded run. Tune with BENCH_SIZES, BENCH_ROUNDS, BENCH_DURATION.
BENCH_VENV := bench/.venv
BENCH_SIZES ?= 10000,100000,1000000
BENCH_ROUNDS ?= 3
BENCH_DURATION ?= 5
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: bench bench-deps bench-corpus

$(BENCH_VENV)/.installed: mk/bench.mk
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/pip install --quiet datasette==0.65.5 'uvicorn[standard]==0.54.0' py-spy==0.4.3 pyinstrument==5.1.3
	touch $@

/usr/bin/wrk:
	$(SUDO) apt-get update -qq
	$(SUDO) apt-get install -y -qq --no-install-recommends wrk

bench-deps: install-test $(BENCH_VENV)/.installed /usr/bin/wrk ## Install wrk and bench/.venv (Datasette, uvicorn, py-spy)

# Just the synthetic corpora and their databases (build time and peak RSS in bench/work/*/build.json).
bench-corpus: install-test ## Generate and build only the synthetic corpora of BENCH_SIZES
	$(BIN)/python -c "import sys; sys.path.insert(0, 'bench'); import run; [run.ensure_corpus(int(s), 1, True) for s in '$(BENCH_SIZES)'.split(',')]"

bench: bench-deps ## The load benchmark: API vs Datasette vs floor (bench/work/results.md)
	$(BIN)/python bench/run.py --sizes $(BENCH_SIZES) --rounds $(BENCH_ROUNDS) --duration $(BENCH_DURATION)
