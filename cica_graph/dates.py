"""Partial dates as sources give them: a day, a month or a year.

The rules (documented in docs/curation.md and relied on by queries, shapes and
analytics): a partial start counts from the first day it can denote, a partial
end up to the last; an open end means still in force.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from rdflib import Literal
from rdflib.namespace import XSD

DATE_TYPES = (XSD.date, XSD.gYearMonth, XSD.gYear)

_PATTERNS = {
    XSD.date: re.compile(r"(?P<y>-?\d{4,})-(?P<m>\d{2})-(?P<d>\d{2})(?P<tz>Z|[+-]\d{2}:\d{2})?"),
    XSD.gYearMonth: re.compile(r"(?P<y>-?\d{4,})-(?P<m>\d{2})(?P<tz>Z|[+-]\d{2}:\d{2})?"),
    XSD.gYear: re.compile(r"(?P<y>-?\d{4,})(?P<tz>Z|[+-]\d{2}:\d{2})?"),
}


class DateFormatError(ValueError):
    """A lexical form that is not a valid date of its datatype."""


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to the day, the month or the year."""

    earliest: date
    latest: date
    precision: str  # "day" | "month" | "year"

    @property
    def lexical(self) -> str:
        """The lexical form of the date at its own precision."""
        if self.precision == "day":
            return self.earliest.isoformat()
        if self.precision == "month":
            return self.earliest.isoformat()[:7]
        return f"{self.earliest.year:04d}"


def parse_partial(lexical: str, datatype: object) -> PartialDate:
    """Parse ``lexical`` of an XSD date datatype, raising DateFormatError when invalid.

    >>> parse_partial("2006", XSD.gYear).latest
    datetime.date(2006, 12, 31)
    """
    pattern = _PATTERNS.get(datatype)  # type: ignore[call-overload]
    if pattern is None:
        raise DateFormatError(f"datatype {datatype} is not one of xsd:date, xsd:gYearMonth, xsd:gYear")
    match = pattern.fullmatch(lexical.strip())
    if not match:
        raise DateFormatError(f"'{lexical}' is not a valid {_short(datatype)} (expected {_example(datatype)})")
    year = int(match["y"])
    if not 1 <= year <= 9999:
        raise DateFormatError(f"year {year} of '{lexical}' is out of range")
    if datatype == XSD.gYear:
        return PartialDate(date(year, 1, 1), date(year, 12, 31), "year")
    month = int(match["m"])
    if not 1 <= month <= 12:
        raise DateFormatError(f"month {month:02d} of '{lexical}' does not exist")
    last = calendar.monthrange(year, month)[1]
    if datatype == XSD.gYearMonth:
        return PartialDate(date(year, month, 1), date(year, month, last), "month")
    day = int(match["d"])
    if not 1 <= day <= last:
        raise DateFormatError(f"day {day:02d} of '{lexical}' does not exist in {year}-{month:02d}")
    return PartialDate(date(year, month, day), date(year, month, day), "day")


def from_literal(value: Literal) -> PartialDate:
    """The partial date of an RDF literal typed xsd:date, xsd:gYearMonth or xsd:gYear."""
    return parse_partial(str(value), value.datatype)


def from_text(text: str) -> PartialDate:
    """A partial date from user text: ``2014``, ``2014-05`` or ``2014-05-20``."""
    text = text.strip()
    datatype = {4: XSD.gYear, 7: XSD.gYearMonth}.get(len(text), XSD.date)
    return parse_partial(text, datatype)


def in_force(start: PartialDate | None, end: PartialDate | None, on: date) -> bool:
    """Whether a relation with these bounds is in force on ``on``.

    The start counts from its first possible day; the end day itself belongs to
    the successor (``[start, end)``), and a partial end to its last possible day.
    """
    if start is not None and on < start.earliest:
        return False
    if end is None:
        return True
    if end.precision == "day":
        return on < end.earliest
    return on <= end.latest


def _short(datatype: object) -> str:
    return "xsd:" + str(datatype).rsplit("#", 1)[-1]


def _example(datatype: object) -> str:
    return {XSD.date: "YYYY-MM-DD", XSD.gYearMonth: "YYYY-MM", XSD.gYear: "YYYY"}[datatype]  # type: ignore[index]
