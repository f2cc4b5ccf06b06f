"""HTTP content negotiation: pick the best offered media type for an Accept header.

Ranking follows RFC 9110: the quality of an offered type is that of the most
specific media range matching it; ties go to the more specific range, then to
the range the client listed first, then to the server's order of preference.
A missing or empty header accepts anything (the server's first choice).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Range:
    """One media range of an Accept header."""

    type: str
    subtype: str
    q: float
    position: int

    @property
    def specificity(self) -> int:
        """2 for ``type/subtype``, 1 for ``type/*``, 0 for ``*/*``."""
        if self.type == "*":
            return 0
        return 1 if self.subtype == "*" else 2

    def matches(self, media_type: str) -> bool:
        """Whether the range covers ``media_type``."""
        main, _, sub = media_type.partition("/")
        return self.type in ("*", main) and self.subtype in ("*", sub)


def parse_accept(header: str | None) -> list[Range]:
    """The media ranges of an Accept header (malformed ones are skipped)."""
    if not header or not header.strip():
        return [Range("*", "*", 1.0, 0)]
    ranges = []
    for position, item in enumerate(header.split(",")):
        media, *params = (part.strip() for part in item.split(";"))
        main, slash, sub = media.lower().partition("/")
        if not slash or not main or not sub:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append(Range(main, sub, q, position))
    return ranges


def choose(header: str | None, offered: list[str]) -> str | None:
    """The best of ``offered`` (server's order of preference) for ``header``; None when nothing fits."""
    ranges = parse_accept(header)
    best: tuple | None = None
    chosen = None
    for rank, media_type in enumerate(offered):
        matching = [r for r in ranges if r.matches(media_type)]
        if not matching:
            continue
        top = max(matching, key=lambda r: (r.specificity, -r.position))
        if top.q <= 0:
            continue
        key = (top.q, top.specificity, -top.position, -rank)
        if best is None or key > best:
            best, chosen = key, media_type
    return chosen
