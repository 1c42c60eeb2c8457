"""Resolving dates as written ("on Monday", "last November") against an anchor date."""

import calendar
import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {name: i for i, name in enumerate(calendar.month_name) if name}
WEEKDAYS = {name: i for i, name in enumerate(calendar.day_name)}
_MONTH = "|".join(MONTHS)
_WEEKDAY = "|".join(WEEKDAYS)

_MONTH_DAY = re.compile(rf"\b(?P<month>{_MONTH}) (?P<day>\d{{1,2}})(?:, (?P<year>\d{{4}}))?\b")
_WEEKDAY_RE = re.compile(rf"\b(?P<weekday>{_WEEKDAY})\b")
_LAST_MONTH = re.compile(rf"\blast (?P<month>{_MONTH})\b", re.I)
_MONTH_ONLY = re.compile(rf"\b(?:in )?(?P<month>{_MONTH})(?: (?P<year>\d{{4}}))?\b")
_YEAR = re.compile(r"\b(?:in )?(?P<year>(?:19|20)\d{2})\b")
_DAY_BEFORE = re.compile(r"\bthe (?:day before|previous day)\b", re.I)
_DAY_AFTER = re.compile(r"\bthe (?:day after|next day|following day)\b", re.I)
_SAME_DAY = re.compile(r"\b(?:immediately|hours (?:after|later|before)|same day|earlier that day)\b", re.I)


class DateError(ValueError):
    pass


@dataclass(frozen=True)
class DateRange:
    start: dt.date | None
    end: dt.date | None
    precision: str
    text: str | None
    # How it was determined (vocab.DATE_BASES): the text gives it ("stated"), it was resolved
    # against an anchor ("relative"), reasoned from other evidence ("inferred"), or not at all.
    basis: str = "stated"

    @classmethod
    def day(cls, day: dt.date, text: str | None, basis: str = "stated") -> "DateRange":
        return cls(day, day, "day", text, basis)

    @classmethod
    def month(cls, year: int, month: int, text: str, basis: str = "stated") -> "DateRange":
        last = calendar.monthrange(year, month)[1]
        return cls(dt.date(year, month, 1), dt.date(year, month, last), "month", text, basis)

    @classmethod
    def unknown(cls, text: str | None) -> "DateRange":
        return cls(None, None, "unknown", text, "unknown")

    @classmethod
    def window(cls, start: dt.date | None, end: dt.date | None, text: str | None, basis: str) -> "DateRange":
        """Known only to lie between ``start`` and ``end`` (either may be open)."""
        if start is not None and start == end:
            return cls.day(start, text, basis)
        return cls(start, end, "range", text, basis)

    def union(self, other: "DateRange") -> "DateRange":
        """The smallest range holding both (the same expression resolved against both ends of a window)."""
        if other == self:
            return self
        start = min(self.start, other.start) if self.start and other.start else None
        end = max(self.end, other.end) if self.end and other.end else None
        return DateRange.window(start, end, self.text, self.basis)


def _month_year(month: int, anchor: dt.date, direction: str) -> int:
    if direction == "future":
        return anchor.year if month > anchor.month else anchor.year + 1
    return anchor.year if month < anchor.month else anchor.year - 1


def resolve_within(
    text: str, anchor: DateRange | None, direction: str = "past", precision: str | None = None
) -> DateRange:
    """``resolve`` against an anchor known only as a window: resolved against its first and its
    last day, the result is what both allow ("on Monday" in a source published some day of the
    week after Monday April 28 is still April 28)."""
    if anchor is None or anchor.start is None:
        return resolve(text, anchor.end if anchor else None, direction, precision)
    first = resolve(text, anchor.start, direction, precision)
    if anchor.end is None or anchor.end == anchor.start:
        return first
    return first.union(resolve(text, anchor.end, direction, precision))


def resolve(text: str, anchor: dt.date | None, direction: str = "past", precision: str | None = None) -> DateRange:
    """Resolve the date expression found in ``text``; see the table in seeds/README.md. A date the
    text gives whole ("April 28", "in 2024") is ``stated``; one that needs the anchor ("on Monday",
    "the day before", "last November") is ``relative``."""
    if precision == "unknown":
        return DateRange.unknown(text)
    match = _MONTH_DAY.search(text)
    if match:
        year = int(match.group("year")) if match.group("year") else _need(anchor, text).year
        try:
            return DateRange.day(dt.date(year, MONTHS[match.group("month")], int(match.group("day"))), text)
        except ValueError as exc:
            raise DateError(f"{text!r}: {exc}") from None
    match = _WEEKDAY_RE.search(text)
    if match:
        anchor = _need(anchor, text)
        delta = (anchor.weekday() - WEEKDAYS[match.group("weekday")]) % 7
        if direction == "future":
            return DateRange.day(anchor + dt.timedelta(days=(7 - delta) % 7), text, "relative")
        return DateRange.day(anchor - dt.timedelta(days=delta), text, "relative")
    if _DAY_BEFORE.search(text):
        return DateRange.day(_need(anchor, text) - dt.timedelta(days=1), text, "relative")
    if _DAY_AFTER.search(text):
        return DateRange.day(_need(anchor, text) + dt.timedelta(days=1), text, "relative")
    if _SAME_DAY.search(text):
        return DateRange.day(_need(anchor, text), text, "relative")
    match = _LAST_MONTH.search(text)
    if match:
        anchor = _need(anchor, text)
        month = MONTHS[match.group("month").capitalize()]
        return DateRange.month(_month_year(month, anchor, "past"), month, text, "relative")
    match = _MONTH_ONLY.search(text)
    if match:
        month = MONTHS[match.group("month")]
        if match.group("year"):
            return DateRange.month(int(match.group("year")), month, text)
        return DateRange.month(_month_year(month, _need(anchor, text), direction), month, text, "relative")
    match = _YEAR.search(text)
    if match:
        year = int(match.group("year"))
        return DateRange(dt.date(year, 1, 1), dt.date(year, 12, 31), "year", text)
    raise DateError(f"no date expression in {text!r}; write precision: unknown if the text gives none")


def _need(anchor: dt.date | None, text: str) -> dt.date:
    if anchor is None:
        raise DateError(f"{text!r} is relative, but there is no date to resolve it against")
    return anchor
