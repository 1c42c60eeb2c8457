"""Datasette's ASGI app on N uvicorn worker processes sharing one listening socket, with
TCP_NODELAY set on that socket (stock uvicorn leaves Nagle's algorithm on: ~40 ms stalls).

    .venv-bench/bin/python bench/datasette_server.py corpus.db PORT [WORKERS]

Runs until SIGTERM/SIGINT, then stops its workers. The database is opened immutable (-i).
Settings (as ``--setting name value`` would give them): a facet may take up to 10 s (the default,
200 ms, times out the facets of a large table: no answer to compare with), and a streamed CSV
export (``.csv?_stream=on``) has no size cap (the default stops at 100 MB).
"""

import os
import signal
import socket
import sys

SETTINGS = {"facet_time_limit_ms": 10_000, "max_csv_mb": 0}


def serve(path: str, sock: socket.socket) -> None:
    import uvicorn
    from datasette.app import Datasette

    ds = Datasette(files=[], immutables=[path], settings=SETTINGS)
    config = uvicorn.Config(ds.app(), log_level="warning", access_log=False, lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])


def main() -> None:
    path, port = sys.argv[1], int(sys.argv[2])
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # inherited by accepted sockets
    sock.bind(("127.0.0.1", port))
    sock.listen(2048)
    sock.set_inheritable(True)
    children = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                serve(path, sock)
            finally:
                os._exit(0)
        children.append(pid)

    def stop(signum, frame):
        for child in children:
            try:
                os.kill(child, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        while True:
            try:
                os.waitpid(child, 0)
                break
            except ChildProcessError:
                break
            except InterruptedError:
                continue


if __name__ == "__main__":
    main()
