"""Time-aware answers: a state's status in an organization on a day, the members on a day.

Both are computed from the dates on the memberships (never from a list), with
the rules of docs/curation.md as :func:`cica_graph.dates.in_force` implements
them. ``members_on`` gives the graph's reading — the same rows as the named
query ``members-on`` — and says of each holder whether the sources prove the
status on that day. ``status_on`` also gives the COW-style code the panels use
(1 member, 3 observer, 4 partner, 0 none, -9 unknown, -1 not yet founded).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pyoxigraph as ox

from .timeline import CANDIDATE, MEMBER, OBSERVER, PARTNER, STATUS_ROLES, Statement, Timeline, Verdict

NONE = 0
FULL = 1
OBSERVER_CODE = 3
PARTNER_CODE = 4
UNKNOWN = -9
NOT_FOUNDED = -1
#: Codes of the roles that have one (a candidate status is coded 0, as COW codes applicants).
ROLE_CODES = {MEMBER: FULL, OBSERVER: OBSERVER_CODE, PARTNER: PARTNER_CODE}
#: Short names users type for roles.
ROLE_NAMES = {"member": MEMBER, "observer": OBSERVER, "partner": PARTNER, "candidate": CANDIDATE}

Source = ox.Store | Timeline


@dataclass(frozen=True)
class Status:
    """The status of one member in one organization on one day.

    ``role`` is the graph's reading (the strongest status role in force by the
    date rules, None if none); ``code`` is what the sources prove, coded as in
    the panels; ``reason`` explains a -9 or -1 code.
    """

    member: str
    organization: str
    on: date
    role: str | None
    code: int
    memberships: tuple[str, ...]
    reason: str = ""


@dataclass(frozen=True)
class Holder:
    """A member, observer, partner … of an organization on a day, with the statements that say so."""

    iri: str
    label: str
    memberships: tuple[str, ...]
    proven: bool


def timeline_of(source: Source) -> Timeline:
    """A Timeline from a store (read once) or the Timeline itself."""
    return source if isinstance(source, Timeline) else Timeline.read(source)


def status_on(source: Source, state: str, organization: str, on: date) -> Status:
    """The status of ``state`` (or any member agent) in ``organization`` on ``on``.

    >>> status_on(store, STATE + "lka", ORG + "cica", date(2015, 12, 31)).code   # doctest: +SKIP
    3
    """
    timeline = timeline_of(source)
    statements = [s for s in timeline.about(state, organization) if _status_role(timeline, s)]
    in_force = [s for s in statements if s.in_force(on)]
    role = next((r for r in STATUS_ROLES if any(timeline.has_role(s, r) for s in in_force)), None)
    code, reason = _code(timeline, statements, organization, on)
    return Status(state, organization, on, role, code, tuple(s.iri for s in in_force), reason)


def members_on(source: Source, organization: str, on: date, role: str = MEMBER) -> list[Holder]:
    """The holders of ``role`` (or a narrower role) in ``organization`` on ``on``, by label.

    The graph's reading: a status without a start date counts (as in the named
    query ``members-on``); ``proven`` is False where the sources do not show it
    in force on that day (see :class:`~cica_graph.analytics.timeline.Timeline`).
    """
    timeline = timeline_of(source)
    found: dict[str, list[Statement]] = {}
    for statement in timeline.statements:
        if statement.organization == organization and timeline.has_role(statement, role) and statement.in_force(on):
            found.setdefault(statement.member, []).append(statement)
    holders = []
    for member, statements in found.items():
        verdicts = timeline.verdicts(timeline.about(member, organization), on)
        proven = any(verdicts[s.iri] is Verdict.IN for s in statements)
        holders.append(Holder(member, timeline.label(member), tuple(s.iri for s in statements), proven))
    return sorted(holders, key=lambda h: (h.label, h.iri))


def code_on(timeline: Timeline, member: str, organization: str, on: date, full_only: bool = False) -> int:
    """Only the panel code of :func:`status_on` (the panels call this once per cell).

    With ``full_only`` only full membership counts (1, 0, -9, -1): the dyadic
    panel asks whether both states may be members, whatever else they are.
    """
    statements = [s for s in timeline.about(member, organization) if _status_role(timeline, s)]
    codes = {MEMBER: FULL} if full_only else ROLE_CODES
    return _code(timeline, statements, organization, on, codes)[0]


def _status_role(timeline: Timeline, statement: Statement) -> bool:
    return any(timeline.has_role(statement, r) for r in STATUS_ROLES)


def _code(
    timeline: Timeline, statements: list[Statement], organization: str, on: date, codes: dict[str, int] = ROLE_CODES
) -> tuple[int, str]:
    org = timeline.organizations.get(organization)
    if org is not None and org.founded is not None and on < org.founded.earliest:
        return NOT_FOUNDED, f"{org.label} founded {org.founded.lexical}"
    verdicts = timeline.verdicts(statements, on)
    for role, code in codes.items():
        mine = [verdicts[s.iri] for s in statements if timeline.has_role(s, role)]
        if Verdict.IN in mine:
            return code, ""
        if Verdict.UNKNOWN in mine:
            return UNKNOWN, _why_unknown(timeline, [s for s in statements if verdicts[s.iri] is Verdict.UNKNOWN])
    return NONE, ""


def _why_unknown(timeline: Timeline, statements: list[Statement]) -> str:
    statement = statements[0]
    if statement.conflicts:
        return "sources disagree (cica:conflictsWith)"
    if statement.attested:
        return f"no start date; first attested {min(statement.attested).lexical}"
    org = timeline.organizations.get(statement.organization)
    if org is not None and org.documented_from is not None and timeline.has_role(statement, MEMBER):
        return f"no start date; before {org.label} is documented ({org.documented_from.isoformat()})"
    return "no start date and no attestation"
