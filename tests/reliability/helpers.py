"""What the reliability tests share: the operations of the API, the problem+json check, raw HTTP."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from urllib.parse import parse_qsl

from schemas import queries

# Every list operation and the query schema that defines its parameters.
LIST_OPERATIONS = {
    "/statements": queries.StatementQuery,
    "/events": queries.EventQuery,
    "/casualties": queries.CasualtyQuery,
    "/actors": queries.ActorQuery,
    "/sources": queries.SourceQuery,
}
RESOURCES = [path.lstrip("/") for path in LIST_OPERATIONS]
OTHER_ROUTES = ["/health", "/vocabularies", "/openapi.json", "/openapi.yaml", "/docs", "/docs/swagger-ui.css"]
PROBLEM_JSON = "application/problem+json"
LEAKS = ("Traceback", 'File "', "sqlite3.", "werkzeug", "/work/", "site-packages", "OperationalError")


def parameters(path: str) -> list[str]:
    return list(LIST_OPERATIONS[path]().fields)


def check_problem(status: int, content_type: str, body: bytes, expected=None) -> dict:
    """A 4xx/5xx answer is an RFC 9457 problem document that leaks nothing of the implementation."""
    if expected is not None:
        assert status == expected, (status, body[:300])
    assert 400 <= status < 600
    assert content_type.split(";")[0].strip() == PROBLEM_JSON, (status, content_type, body[:300])
    text = body.decode("utf-8")
    for leak in LEAKS:
        assert leak not in text, (leak, text[:500])
    problem = json.loads(text)
    assert problem["status"] == status
    assert isinstance(problem["title"], str) and problem["title"]
    assert isinstance(problem["detail"], str) and problem["detail"]
    return problem


def assert_problem(response, status=None) -> dict:
    return check_problem(response.status_code, response.content_type or "", response.get_data(), status)


def names_in(raw_query: str) -> list[str]:
    return [name for name, _ in parse_qsl(raw_query, keep_blank_values=True)]


# --------------------------------------------------------------------------------------------
# Raw HTTP, for what no client library will send: bad bytes, bad request lines, huge lines.


class RawResponse:
    def __init__(self, data: bytes):
        head, _, self.body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status_line = lines[0]
        self.status = int(lines[0].split()[1])
        self.headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def problem(self, expected=None) -> dict:
        return check_problem(self.status, self.content_type, self.body, expected)


def raw_request(port: int, request: bytes, timeout: float = 10.0) -> RawResponse:
    """Send bytes as they are; read until the server closes (requests say Connection: close)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(request)
        chunks = []
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return RawResponse(b"".join(chunks))


def raw_get(port: int, target: bytes, method: bytes = b"GET", headers: bytes = b"", body: bytes = b"") -> RawResponse:
    return raw_request(
        port,
        method + b" " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers + b"\r\n" + body,
    )


def connections_held(pid: int, port: int) -> int:
    """Established TCP connections on ``port`` that process ``pid`` holds: its requests in flight."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    held = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01" and fields[9] in inodes:
                held += 1
    return held
