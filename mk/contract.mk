# The contract tool chain (tests/contract/): npm tools pinned in package-lock.json, and Debian's
# Chromium for the /docs test. `make test` sets both up first; each step runs only when needed.
# Chromium comes without Debian's recommended packages (~115 of them), plus the one font family the
# screenshots need.
NPM ?= npm
CHROMIUM_BIN ?= /usr/bin/chromium
NODE_STAMP := node_modules/.installed
CONTRACT_SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

TEST_DEPS += contract-deps

.PHONY: contract-deps contract-test release-spec

contract-deps: $(NODE_STAMP) $(CHROMIUM_BIN) ## Install the npm tools (npm ci) and Chromium

# npm ci (a clean install of exactly the lockfile) whenever package.json or the lockfile is newer
# than the last install. Install scripts are not needed by any of the tools, so none run.
$(NODE_STAMP): package.json package-lock.json
	@command -v node >/dev/null && command -v $(NPM) >/dev/null || \
		{ echo "node (>= 20.19) and npm are needed for the contract tools" >&2; exit 1; }
	$(NPM) ci --ignore-scripts --no-audit --no-fund
	@touch $@

$(CHROMIUM_BIN):
	$(CONTRACT_SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -q
	$(CONTRACT_SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-liberation
	@test -x $@

# Only the contract tests.
contract-test: install-test contract-deps ## Only the contract tests (tests/contract)
	$(BIN)/pytest tests/contract

# Record the current spec as the released one (after its CHANGELOG.md entry and `make spec`).
release-spec: install ## Record openapi.yaml as the released spec
	@version=$$($(BIN)/python -c 'import yaml; print(yaml.safe_load(open("openapi.yaml"))["info"]["version"])'); \
	grep -q "^## \[$$version\]" CHANGELOG.md || { echo "CHANGELOG.md has no entry for $$version" >&2; exit 1; }; \
	mkdir -p openapi-released && cp openapi.yaml openapi-released/openapi.yaml && \
	echo "openapi-released/openapi.yaml is now version $$version"
