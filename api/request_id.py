"""X-Request-Id: the id that ties a response to its access-log line (and to a client's own logs).

A client (or a proxy in front) may send one; it is kept when it is a sane token, 1 to 128
characters of ``[A-Za-z0-9._~:+/=-]`` (a UUID, a hex id, base64, a trace id), so it cannot break a
log line or a header. Otherwise (absent, too long, other characters) a new one is made: uuid4 in
hex. ``api.observability`` puts it in the WSGI environ and echoes it on every response.
"""

from __future__ import annotations

import re
import uuid
from typing import TypeGuard

HEADER = "X-Request-Id"
ENVIRON_KEY = "anchored_news.request_id"  # the id of this request, in the WSGI environ
MAX_LENGTH = 128
_SANE = re.compile(r"[A-Za-z0-9._~:+/=-]{1,%d}" % MAX_LENGTH)


def is_sane(value: str | None) -> TypeGuard[str]:
    """A client's id that may be used as it is."""
    return value is not None and _SANE.fullmatch(value) is not None


def request_id(sent: str | None) -> str:
    """The client's id when it is sane, else a new one (32 hex digits)."""
    if is_sane(sent):
        return sent
    return uuid.uuid4().hex
