"""The command line of `make cluster` and `make deploy-data`, run from the repository's root:

    python -m ops.cluster run      # nginx on HOST:PORT in front of REPLICAS gunicorn replicas (foreground)
    python -m ops.cluster deploy   # build the database and roll the running cluster onto it
    python -m ops.cluster status   # the running cluster's state file

Settings come from the environment (HOST, PORT, REPLICAS, REPLICA_WORKERS, RATE_LIMIT, RATE_BURST,
ANCHORED_NEWS_DATABASE, CLUSTER_RUN_DIR) or the flags below, which win. The work is done by
ops.supervisor.Supervisor and ops.deploy.deploy; this module only parses arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .deploy import deploy
from .settings import LOCK_FILE, STATE_FILE, ClusterSettings, lock_holder, read_json
from .supervisor import Supervisor


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(prog="python -m ops.cluster", description=__doc__.split("\n\n")[0])
    cli.add_argument("--run-dir", type=Path, help="state, nginx.conf, logs, releases (CLUSTER_RUN_DIR; data/cluster)")
    cli.add_argument("--database", type=Path, help="the built database (ANCHORED_NEWS_DATABASE; data/corpus.db)")
    commands = cli.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the cluster in the foreground until SIGTERM or Ctrl-C")
    run.add_argument("--host", help="nginx's listen address (HOST; 127.0.0.1)")
    run.add_argument("--port", type=int, help="nginx's port (PORT; 8000)")
    run.add_argument("--replicas", type=int, help="gunicorn instances (REPLICAS; 3)")
    run.add_argument("--replica-workers", type=int, help="sync workers per replica (REPLICA_WORKERS; 1)")
    run.add_argument("--rate-limit", type=int, help="requests/s per client, 0 for none (RATE_LIMIT; 50)")
    run.add_argument("--rate-burst", type=int, help="requests a client may send at once (RATE_BURST; 100)")
    dep = commands.add_parser("deploy", help="build the database, then roll the replicas onto it")
    dep.add_argument("--no-build", action="store_true", help="deploy the database as it is")
    dep.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for every replica (180)")
    commands.add_parser("status", help="print the running cluster's state")
    return cli


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    options = {"run_dir": args.run_dir, "database": args.database}
    if args.command == "run":
        options |= {name: getattr(args, name) for name in ("host", "port", "replicas", "replica_workers")}
        options |= {"rate_limit": args.rate_limit, "rate_burst": args.rate_burst}
    try:
        settings = ClusterSettings.from_env(**options)
    except ValueError as exc:
        print(f"cluster: error: {exc}", file=sys.stderr)
        return 2
    if args.command == "run":
        return Supervisor(settings).run()
    if args.command == "deploy":
        return deploy(settings, run_build=not args.no_build, timeout=args.timeout)
    # A state file counts only while its supervisor holds the run dir's lock (one that was killed
    # leaves its state file behind).
    holder = lock_holder(settings.run_dir / LOCK_FILE)
    state = read_json(settings.run_dir / STATE_FILE) if holder else None
    if state and state.get("pid") == holder:
        print(json.dumps(state, indent=2))
        return 0
    print(f"no cluster runs with run dir {settings.run_dir}" if holder is None else "the cluster is starting")
    return 1


if __name__ == "__main__":
    sys.exit(main())
