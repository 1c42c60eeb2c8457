"""``flask build-db`` and ``flask new-source``: thin commands over ``data.build`` and ``data.draft``
(registered through the ``flask.commands`` entry point in pyproject.toml, so the API never imports
the build).

It takes the seeds folder and the database path from the app's configuration (``SEEDS``,
``DATABASE``; ``ANCHORED_NEWS_SEEDS`` and ``ANCHORED_NEWS_DATABASE`` in the environment), so
``flask --app api build-db`` builds the file that ``flask --app api run`` serves.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from . import draft
from .build import BuildFailed, build_database, check_corpus


@click.command("build-db")
@click.option(
    "--seeds",
    "seeds_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of source texts and annotations (default: seeds/).",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Database file to write (default: the app's DATABASE).",
)
@click.option("--check", is_flag=True, help="Validate the annotations only; write nothing.")
@click.option(
    "--full",
    is_flag=True,
    help="Build from scratch (by default a build continues from the database it replaces: only "
    "the documents that changed, and those that refer to them, are checked and rendered again).",
)
@with_appcontext
def build_db_command(seeds_dir: Path | None, out_path: Path | None, check: bool, full: bool) -> None:
    """Validate seeds/ and build the database atomically (incrementally when it exists)."""
    seeds_dir = seeds_dir or Path(current_app.config["SEEDS"])
    out_path = out_path or Path(current_app.config["DATABASE"])
    try:
        if check:
            counts = check_corpus(seeds_dir)
            click.echo(
                f"{seeds_dir}: valid: {counts['sources']} sources, {counts['actors']} actors, "
                f"{counts['statements']} statements, {counts['events']} events, "
                f"{counts['casualties']} casualty claims"
            )
            return
        report = build_database(seeds_dir, out_path, full=full)
    except BuildFailed as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(
            f"{len(exc.errors)} error(s) in {seeds_dir}; "
            + ("nothing written" if check else f"{out_path} left as it was")
        ) from None
    written = ", ".join(f"{n} {k}" for k, n in report.counts.items())
    how = ""
    if report.incremental:
        how = f", incremental: {len(report.rebuilt)} document(s) rebuilt" if report.rebuilt else ", up to date"
    click.echo(f"built {report.path} (build {report.build_id}{how}): {written}")


@click.command("new-source")
@click.argument("article", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--published",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The publication day, when the text or its provenance states it (YYYY-MM-DD).",
)
@click.option(
    "--seeds",
    "seeds_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Folder of source texts and annotations (default: seeds/).",
)
@with_appcontext
def new_source_command(article: Path, published: dt.datetime | None, seeds_dir: Path | None) -> None:
    """Copy ARTICLE (a UTF-8 text) into seeds/ and write its draft annotation to code."""
    seeds_dir = seeds_dir or Path(current_app.config["SEEDS"])
    try:
        added = draft.new_source(article, seeds_dir, published.date() if published else None)
    except draft.DraftError as exc:
        raise click.ClickException(f"{exc}; nothing written") from None
    found = sum(q.speaker is not None for q in added.quotations)
    click.echo(f"copied {article} to {added.text_path} (byte for byte)")
    click.echo(
        f"wrote the draft {added.annotation_path}: {len(added.quotations)} quotation(s), "
        f"{found} with a speaker found; replace every TODO, then run `make check`"
    )
