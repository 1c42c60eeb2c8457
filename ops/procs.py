"""Child processes in their own process groups, so each can be stopped whole (a gunicorn master
with its workers, an nginx master with its workers) without touching anything else."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

PR_SET_PDEATHSIG = 1
# Loaded once, here: find_library runs ldconfig, which has no place in a forked child before exec.
_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the supervisor dies, even by SIGKILL, so that no
    replica or nginx outlives it unnoticed."""
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def spawn(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    log: IO[bytes] | None,
    cwd: Path | None = None,
    pass_fds: Sequence[int] = (),
) -> subprocess.Popen:
    """Start ``argv`` as the leader of a new session (and so of a new process group), with the
    file descriptors ``pass_fds`` inherited under the same numbers."""
    return subprocess.Popen(
        [str(a) for a in argv],
        env=dict(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT if log is not None else None,
        start_new_session=True,
        pass_fds=tuple(pass_fds),
        preexec_fn=_die_with_parent,
    )


def signal_group(pgid: int, sig: int) -> bool:
    """Send ``sig`` to a process group; False when it no longer exists."""
    try:
        os.killpg(pgid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def group_alive(pgid: int) -> bool:
    return signal_group(pgid, 0)


def stop_group(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
    """``sig`` to the group, wait for the leader and the rest of the group up to ``timeout`` s,
    then SIGKILL whatever is left of the group.

    A group is signalled only while it exists: once its last member is gone its id may be reused
    by another process group (another replica's, say), which must never get the signal. Call it
    once per process (Replica.stop keeps to that)."""
    if group_alive(process.pid):
        signal_group(process.pid, sig)
    deadline = time.monotonic() + timeout
    try:
        process.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        pass
    while group_alive(process.pid):
        if time.monotonic() >= deadline:
            signal_group(process.pid, signal.SIGKILL)  # what is left of it, past the bound
            break
        time.sleep(0.05)  # workers may outlive their master by a moment
    process.wait()
    while group_alive(process.pid) and time.monotonic() < deadline + 5:
        time.sleep(0.02)  # SIGKILLed members are gone once their parent (init) has reaped them


def children(pid: int) -> set[int]:
    """The direct children of ``pid`` (e.g. the nginx master's workers), from /proc."""
    try:
        return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except OSError:
        return set()
