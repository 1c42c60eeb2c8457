"""Operations tooling: `make cluster` (nginx in front of gunicorn replicas, ops/cluster.py) and
`make deploy-data` (a rolling move of the replicas to a new database build, ops/deploy.py).

Nothing here is imported by the API; it runs the API as child processes.
"""
