# `make cluster` and `make deploy-data` (issue "Operations", item 4): Debian's nginx in front of
# REPLICAS gunicorn replicas, run in the foreground by ops/cluster.py (Ctrl-C stops everything);
# `make deploy-data` builds the database and moves the running cluster's replicas to it one at a
# time, without a failed request. State, logs, nginx.conf and release files: data/cluster/.
.PHONY: cluster cluster-deps deploy-data cluster-status

TEST_DEPS += cluster-deps

HOST ?= 127.0.0.1
REPLICAS ?= 3
REPLICA_WORKERS ?= 1
RATE_LIMIT ?= 50
RATE_BURST ?= 100
CLUSTER_APT_GET := DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
CLUSTER_SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

cluster-deps: ## Install nginx (Debian) for `make cluster` and its tests
	@test -x /usr/sbin/nginx || { \
	  echo "installing nginx (Debian package) for the cluster"; \
	  $(CLUSTER_SUDO) env $(CLUSTER_APT_GET) install --no-install-recommends nginx >/dev/null 2>&1 \
	  || { $(CLUSTER_SUDO) env $(CLUSTER_APT_GET) update >/dev/null && $(CLUSTER_SUDO) env $(CLUSTER_APT_GET) install --no-install-recommends nginx; }; \
	}
	@test -x /usr/sbin/nginx || { echo "nginx could not be installed" >&2; exit 1; }

cluster: $(DB) install cluster-deps ## nginx on HOST:PORT in front of REPLICAS gunicorn replicas (foreground; Ctrl-C stops)
	$(BIN)/python -m ops.cluster run --host $(HOST) --port $(PORT) --replicas $(REPLICAS) \
	  --replica-workers $(REPLICA_WORKERS) --rate-limit $(RATE_LIMIT) --rate-burst $(RATE_BURST)

deploy-data: install ## Rebuild the database and roll the running cluster onto it, one replica at a time
	$(BIN)/python -m ops.cluster deploy

cluster-status: install ## Print the running cluster's state (replicas, ports, builds, restarts)
	@$(BIN)/python -m ops.cluster status
