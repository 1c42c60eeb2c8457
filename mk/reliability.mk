# Reliability tooling (issue 5): wrk, from Debian, for the load tests in tests/reliability/ and for
# `make soak`, the 60 s soak (scripts/soak.py) that is not part of `make test`.
.PHONY: reliability-deps soak

TEST_DEPS += reliability-deps

# e.g. make soak SOAK_ARGS='--synthetic 20000 --duration 120'
SOAK_ARGS ?=

APT_GET := DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

reliability-deps: ## Install wrk (Debian) for the load tests and the soak
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "installing wrk (Debian package) for the load tests"; \
	  $(SUDO) env $(APT_GET) install --no-install-recommends wrk >/dev/null 2>&1 \
	  || { $(SUDO) env $(APT_GET) update >/dev/null && $(SUDO) env $(APT_GET) install --no-install-recommends wrk; }; \
	}
	@command -v wrk >/dev/null 2>&1 || { echo "wrk could not be installed" >&2; exit 1; }

soak: install-test reliability-deps ## The 60 s soak of gunicorn with wrk (scripts/soak.py)
	$(BIN)/python scripts/soak.py --duration 60 --connections 64 $(SOAK_ARGS)
