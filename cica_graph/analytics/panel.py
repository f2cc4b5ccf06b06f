"""COW-IGO-compatible panels: state-year, dyad-year and organization-year tables.

Each cell is the status in force on 31 December of the year, computed by
:func:`cica_graph.analytics.temporal.code_on` from the memberships' dates. The
codes follow the Correlates of War IGO data: 1 full member, 3 observer, 0 none,
-9 unknown (the sources do not decide), -1 the organization not yet founded.
The organization-year table of non-state members adds 4 for partner status,
which COW does not code. The codebook (:mod:`.codebook`) states every rule.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations

from .temporal import FULL, NOT_FOUNDED, UNKNOWN, code_on
from .timeline import MEMBER, OBSERVER, PARTNER, Organization, State, Timeline

#: The roles that give an organization a column in the state panels.
STATE_ROLES = (MEMBER, OBSERVER)


@dataclass
class Table:
    """A rectangular result: column names and rows of plain values."""

    columns: list[str]
    rows: list[list[object]] = field(default_factory=list)

    def to_csv(self) -> str:
        """The table as CSV (header first, ``\\n`` line ends, blanks for None)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows([["" if v is None else v for v in row] for row in self.rows])
        return buffer.getvalue()

    def records(self) -> list[dict[str, object]]:
        """The rows as dicts keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def column_name(organization: Organization) -> str:
    """The panel column of an organization: its IRI key (``cica``, ``sco``)."""
    return organization.iri.rsplit("/", 1)[-1]


def state_organizations(timeline: Timeline) -> list[Organization]:
    """Organizations with at least one member or observer statement of a state: one column each.

    Organizations whose state memberships the graph does not record (the UN,
    the OSCE …) get no column: a column of zeros would claim non-membership.
    """
    keys = {
        s.organization
        for s in timeline.statements
        if s.member in timeline.states and any(timeline.has_role(s, r) for r in STATE_ROLES)
    }
    return sorted((timeline.organizations[k] for k in keys if k in timeline.organizations), key=column_name)


def partner_organizations(timeline: Timeline) -> list[Organization]:
    """Organizations that have non-state members, observers or partners (the organization-year columns)."""
    keys = {
        s.organization
        for s in timeline.statements
        if s.member not in timeline.states and any(timeline.has_role(s, r) for r in (*STATE_ROLES, PARTNER))
        and s.member in timeline.organizations
    }
    return sorted((timeline.organizations[k] for k in keys if k in timeline.organizations), key=column_name)


def ordered_states(timeline: Timeline) -> list[State]:
    """States by COW code (states without one last), then ISO alpha-3."""
    return sorted(timeline.states.values(), key=lambda s: (s.cow is None, int(s.cow) if s.cow else 0, s.iso3))


def state_year(timeline: Timeline, first: int, last: int) -> Table:
    """One row per state and year: ``ccode, iso3, year, state`` and one status column per organization."""
    organizations = state_organizations(timeline)
    table = Table(["ccode", "iso3", "year", "state", *(column_name(o) for o in organizations)])
    for state in ordered_states(timeline):
        for year in range(first, last + 1):
            day = date(year, 12, 31)
            codes = [code_on(timeline, state.iri, o.iri, day) for o in organizations]
            table.rows.append([int(state.cow) if state.cow else None, state.iso3, year, state.label, *codes])
    return table


def joint(code_a: int, code_b: int) -> int:
    """The dyadic code from two full-membership codes: 1 both members, -9 possibly both, -1 not founded, else 0."""
    if NOT_FOUNDED in (code_a, code_b):
        return NOT_FOUNDED
    if code_a == code_b == FULL:
        return FULL
    if {code_a, code_b} <= {FULL, UNKNOWN}:
        return UNKNOWN
    return 0


def dyad_year(timeline: Timeline, first: int, last: int) -> Table:
    """One row per unordered pair of states and year: joint full membership per organization and their count."""
    organizations = state_organizations(timeline)
    states = ordered_states(timeline)
    names = [column_name(o) for o in organizations]
    table = Table(["ccode1", "iso3_1", "ccode2", "iso3_2", "year", "state1", "state2", *names, "joint"])
    codes = {
        (s.iri, o.iri, year): code_on(timeline, s.iri, o.iri, date(year, 12, 31), full_only=True)
        for s in states
        for o in organizations
        for year in range(first, last + 1)
    }
    for a, b in combinations(states, 2):
        for year in range(first, last + 1):
            cells = [joint(codes[(a.iri, o.iri, year)], codes[(b.iri, o.iri, year)]) for o in organizations]
            table.rows.append([
                int(a.cow) if a.cow else None, a.iso3, int(b.cow) if b.cow else None, b.iso3, year,
                a.label, b.label, *cells, sum(1 for c in cells if c == FULL),
            ])
    return table


def organization_year(timeline: Timeline, first: int, last: int) -> Table:
    """Non-state members, observers and partners (not states, so not in the state panels), one row a year."""
    targets = partner_organizations(timeline)
    agents = sorted(
        {s.member for s in timeline.statements if s.organization in {t.iri for t in targets} and s.member not in timeline.states
         and s.member in timeline.organizations},
    )
    table = Table(["org", "acronym", "year", "organization", *(column_name(t) for t in targets)])
    for agent in agents:
        info = timeline.organizations[agent]
        for year in range(first, last + 1):
            day = date(year, 12, 31)
            codes = [code_on(timeline, agent, t.iri, day) for t in targets]
            table.rows.append([agent.rsplit("/", 1)[-1], info.acronym or "", year, info.label, *codes])
    return table
