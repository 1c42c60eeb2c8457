import datetime as dt

import pytest

from data.dates import DateError, DateRange, resolve, resolve_within

WED = dt.date(2025, 4, 30)  # the Korea JoongAng Daily article's publication date, a Wednesday


@pytest.mark.parametrize(
    "written, anchor, start, end, precision",
    [
        ("on April 29", WED, "2025-04-29", "2025-04-29", "day"),
        ("May 9, 2024", WED, "2024-05-09", "2024-05-09", "day"),
        ("on May 9", WED, "2025-05-09", "2025-05-09", "day"),  # a planned event: same year, later
        ("on Monday", dt.date(2025, 4, 28), "2025-04-28", "2025-04-28", "day"),  # that Monday itself
        ("on Monday", WED, "2025-04-28", "2025-04-28", "day"),
        ("on Wednesday", WED, "2025-04-30", "2025-04-30", "day"),
        ("The day before", dt.date(2025, 4, 29), "2025-04-28", "2025-04-28", "day"),
        ("immediately", dt.date(2025, 4, 29), "2025-04-29", "2025-04-29", "day"),
        ("last November", WED, "2024-11-01", "2024-11-30", "month"),
        ("in August", WED, "2024-08-01", "2024-08-31", "month"),
        ("in 2024", WED, "2024-01-01", "2024-12-31", "year"),
    ],
)
def test_dates_as_written_resolve_against_their_anchor(written, anchor, start, end, precision):
    resolved = resolve(written, anchor)
    assert (resolved.start.isoformat(), resolved.end.isoformat(), resolved.precision) == (start, end, precision)
    assert resolved.text == written


def test_future_direction_looks_forward():
    assert resolve("on Friday", WED, direction="future").start == dt.date(2025, 5, 2)
    assert resolve("in August", WED, direction="future").start == dt.date(2025, 8, 1)


def test_unknown_precision_keeps_the_words_and_no_dates():
    resolved = resolve("in recent months", WED, precision="unknown")
    assert (resolved.start, resolved.end, resolved.precision, resolved.text) == (
        None,
        None,
        "unknown",
        "in recent months",
    )


def test_words_without_a_date_are_an_error():
    with pytest.raises(DateError, match="no date expression"):
        resolve("in recent months", WED)


def test_relative_dates_need_an_anchor():
    with pytest.raises(DateError, match="relative"):
        resolve("on Monday", None)


def test_impossible_day_is_an_error():
    with pytest.raises(DateError):
        resolve("February 30", WED)


@pytest.mark.parametrize(
    "written, basis",
    [
        ("on April 29", "stated"),
        ("May 9, 2024", "stated"),
        ("in 2024", "stated"),
        ("on Monday", "relative"),
        ("The day before", "relative"),
        ("immediately", "relative"),
        ("last November", "relative"),
        ("in August", "relative"),
    ],
)
def test_a_date_says_whether_the_text_gives_it_or_it_was_resolved(written, basis):
    assert resolve(written, WED).basis == basis


def test_against_a_window_a_date_resolves_to_what_every_day_of_it_allows():
    # Source 000 was published some day from Monday April 28 to Sunday May 4, 2025.
    week = DateRange.window(dt.date(2025, 4, 28), dt.date(2025, 5, 4), None, "inferred")
    monday = resolve_within("on Monday", week)
    assert (monday.start, monday.end, monday.precision, monday.basis) == (
        dt.date(2025, 4, 28),
        dt.date(2025, 4, 28),
        "day",
        "relative",
    )
    assert resolve_within("in August", week).start == dt.date(2024, 8, 1)
    # "the day before" a week is any day of the week before: a window, not a made-up day.
    before = resolve_within("The day before", week)
    assert (before.start, before.end, before.precision) == (dt.date(2025, 4, 27), dt.date(2025, 5, 3), "range")
