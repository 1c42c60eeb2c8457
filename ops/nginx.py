"""nginx for the cluster: its configuration (ops/nginx.conf.template filled in), its command line,
and a graceful reload that returns only once the new configuration is the one taking requests."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .procs import children

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
WORKER_USERS = ("www-data", "nobody")  # the user nginx's workers run as when it is started as root
MAX_FAILS = 2
FAIL_TIMEOUT = 5  # seconds


@dataclass(frozen=True)
class NginxSettings:
    host: str
    port: int
    rate_limit: int  # requests per second per client; 0: no limit
    rate_burst: int
    run_dir: Path  # configuration, pid, access log
    work_dir: Path  # temp files and the cache: written by the workers


def worker_user() -> str | None:
    """nginx drops its workers' privileges only when started as root; then to www-data."""
    if os.geteuid() != 0:
        return None
    for name in WORKER_USERS:
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    return None


def make_work_dir() -> Path:
    """A private directory for nginx's temp files and cache that its workers can write, also when
    they run as www-data and the run dir is under a directory they cannot enter (like pytest's)."""
    work = Path(tempfile.mkdtemp(prefix="anchored-news-nginx-"))
    user = worker_user()
    if user:
        entry = pwd.getpwnam(user)
        os.chown(work, entry.pw_uid, entry.pw_gid)
    return work


def remove_work_dir(work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)


def render(settings: NginxSettings, ports: list[int]) -> str:
    """The configuration for the replicas' slots on ``ports``."""
    rate = settings.rate_limit
    user = worker_user()
    values = {
        "user": f"user {user};" if user else "# (not root: the workers run as this user)",
        "run_dir": str(settings.run_dir.resolve()),
        "work_dir": str(settings.work_dir.resolve()),
        "listen": f"{settings.host}:{settings.port}",
        "servers": "\n".join(
            f"        server 127.0.0.1:{port} max_fails={MAX_FAILS} fail_timeout={FAIL_TIMEOUT}s;" for port in ports
        ),
        "rate": str(rate),
        "rate_limit_zone": (
            f"    limit_req_zone $binary_remote_addr zone=per_client:10m rate={rate}r/s;"
            if rate > 0
            else "    # RATE_LIMIT=0: no rate limit"
        ),
        "rate_limit": (
            f"            limit_req zone=per_client burst={settings.rate_burst} nodelay;"
            if rate > 0
            else "            # RATE_LIMIT=0: no rate limit"
        ),
    }
    text = TEMPLATE.read_text()
    missing = set(re.findall(r"\{\{(\w+)\}\}", text)) - set(values)
    if missing:
        raise ValueError(f"{TEMPLATE}: no value for {sorted(missing)}")
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], text)


def write_config(settings: NginxSettings, ports: list[int]) -> Path:
    """Write nginx.conf into the run dir atomically (nginx reads it whole on start or reload)."""
    path = settings.run_dir / "nginx.conf"
    incoming = path.with_suffix(".conf.tmp")
    incoming.write_text(render(settings, ports))
    os.replace(incoming, path)
    return path


def command(config: Path, *extra: str) -> list[str]:
    """nginx in the foreground with ``config``; -e stderr so that nothing goes to /var/log."""
    return [NGINX, "-e", "stderr", "-p", str(config.parent.resolve()), "-c", str(config.resolve()), *extra]


def check_config(config: Path) -> None:
    """`nginx -t`: a configuration nginx would refuse is never sent to the running one."""
    result = subprocess.run(command(config, "-t", "-q"), capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise RuntimeError(f"nginx refuses {config}: {result.stderr.strip()}")


def reload(master_pid: int, timeout: float = 20.0) -> None:
    """HUP (`nginx -s reload`): the master reads the configuration again and starts new workers;
    the old ones stop accepting, finish the requests they hold and exit. Returns once the old
    workers are gone, so that nothing can still send a request to a replica the old configuration
    named; raises TimeoutError after ``timeout`` s."""
    old_workers = children(master_pid)
    os.kill(master_pid, signal.SIGHUP)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = children(master_pid)
        if current and not (current & old_workers):
            return
        time.sleep(0.02)
    raise TimeoutError(f"nginx (pid {master_pid}) did not finish reloading within {timeout} s")
