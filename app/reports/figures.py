"""What each figure of the supervision report means, defined once: the dashboard, the
printable report and the XLSX take their columns, labels and footnotes from here.

The periodic report on handling administrative procedures (received: carried over / in the
period; resolved: early / on time / late; in progress: on time / overdue; channel: online /
in person or postal) counted per agent point, plus the quality figures of the Centre's
supervision (citizen satisfaction, spot checks) and the advice log.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import NamedTuple

from app.web.i18n import N_

ONLINE_TARGET = 0.8  # Resolution 17/NQ-CP: 80% of dossiers submitted online

COUNT, PERCENT, DECIMAL = "count", "percent", "decimal"


def reaches(share: float, target: float) -> bool:
    """Whether a share reaches a target as reported: both to 0.1% (79.96% shows as 80.0%
    and counts as reaching 80%), so the page, the chart and the XLSX never disagree."""
    return round(share * 1000) >= round(target * 1000)


@dataclass
class Figures:
    """The counted figures of one point, one district or the whole report. Rates are
    derived from counts, so a district's rate is its points' counts added up, never an
    average of their rates."""

    carried_over: int = 0
    received: int = 0
    received_online: int = 0
    resolved: int = 0
    resolved_early: int = 0
    resolved_late: int = 0
    in_progress: int = 0
    in_progress_overdue: int = 0
    closed: int = 0
    working_days_count: int = 0
    working_days_sum: int = 0
    consultations: int = 0
    ratings: int = 0
    ratings_very_satisfied: int = 0
    ratings_satisfied: int = 0
    ratings_dissatisfied: int = 0
    checks: int = 0
    checks_score_sum: float = 0.0

    def add(self, other: Figures) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    @property
    def received_total(self) -> int:
        return self.carried_over + self.received

    @property
    def received_in_person_or_postal(self) -> int:
        return self.received - self.received_online

    @property
    def resolved_on_time(self) -> int:
        return self.resolved - self.resolved_early - self.resolved_late

    @property
    def in_progress_on_time(self) -> int:
        return self.in_progress - self.in_progress_overdue

    @property
    def online_share(self) -> float | None:
        return self.received_online / self.received if self.received else None

    @property
    def meets_online_target(self) -> bool | None:
        share = self.online_share
        return None if share is None else reaches(share, ONLINE_TARGET)

    @property
    def resolved_in_time_share(self) -> float | None:
        """Early or on time, of those resolved."""
        if not self.resolved:
            return None
        return (self.resolved - self.resolved_late) / self.resolved

    @property
    def average_working_days(self) -> float | None:
        if not self.working_days_count:
            return None
        return self.working_days_sum / self.working_days_count

    @property
    def satisfaction_rate(self) -> float | None:
        if not self.ratings:
            return None
        return (self.ratings_very_satisfied + self.ratings_satisfied) / self.ratings

    @property
    def spot_check_score(self) -> float | None:
        return self.checks_score_sum / self.checks if self.checks else None

    def value(self, key: str) -> int | float | None:
        return getattr(self, key)


class Column(NamedTuple):
    key: str  # a field or property of Figures
    label: str  # msgid
    kind: str  # COUNT | PERCENT | DECIMAL
    group: str = ""  # msgid of the header above it, as in the periodic report


G_RECEIVED = N_("Dossiers received")
G_RESOLVED = N_("Resolved in the period")
G_IN_PROGRESS = N_("In progress at the end")
G_CHANNEL = N_("Received in the period, by channel")
G_SATISFACTION = N_("Citizen satisfaction")
G_CHECKS = N_("Spot checks")

# The periodic report's columns (the "by point" and "by district" tables and sheets).
HANDLING_COLUMNS: tuple[Column, ...] = (
    Column("received_total", N_("Total"), COUNT, G_RECEIVED),
    Column("carried_over", N_("Carried over"), COUNT, G_RECEIVED),
    Column("received", N_("In the period"), COUNT, G_RECEIVED),
    Column("resolved", N_("Total"), COUNT, G_RESOLVED),
    Column("resolved_early", N_("Early"), COUNT, G_RESOLVED),
    Column("resolved_on_time", N_("On time"), COUNT, G_RESOLVED),
    Column("resolved_late", N_("Late"), COUNT, G_RESOLVED),
    Column("in_progress", N_("Total"), COUNT, G_IN_PROGRESS),
    Column("in_progress_on_time", N_("Within the time limit"), COUNT, G_IN_PROGRESS),
    Column("in_progress_overdue", N_("Overdue"), COUNT, G_IN_PROGRESS),
    Column("received_online", N_("Online"), COUNT, G_CHANNEL),
    Column("received_in_person_or_postal", N_("In person or postal"), COUNT, G_CHANNEL),
    Column("online_share", N_("Online share"), PERCENT, G_CHANNEL),
    Column("closed", N_("Closed without a result"), COUNT),
    Column("average_working_days", N_("Average working days"), DECIMAL),
    Column("consultations", N_("Consultations"), COUNT),
)

QUALITY_COLUMNS: tuple[Column, ...] = (
    Column("ratings", N_("Ratings"), COUNT, G_SATISFACTION),
    Column("ratings_very_satisfied", N_("Very satisfied"), COUNT, G_SATISFACTION),
    Column("ratings_satisfied", N_("Satisfied"), COUNT, G_SATISFACTION),
    Column("ratings_dissatisfied", N_("Dissatisfied"), COUNT, G_SATISFACTION),
    Column("satisfaction_rate", N_("Satisfaction rate"), PERCENT, G_SATISFACTION),
    Column("checks", N_("Checks completed"), COUNT, G_CHECKS),
    Column("spot_check_score", N_("Average score (0–100)"), DECIMAL, G_CHECKS),
)

# (figure, how it is counted): the footnote of every page and the XLSX's last sheet.
DEFINITIONS: tuple[tuple[str, str], ...] = (
    (
        N_("Period"),
        N_(
            "From 00:00 on the first day to 24:00 on the last day, Vietnam time. While the "
            "period is still running, figures are counted up to now."
        ),
    ),
    (
        N_("Received in the period"),
        N_("Dossiers the portal accepted (time received) within the period."),
    ),
    (
        N_("Carried over"),
        N_(
            "Dossiers received before the period that, at its start, were neither resolved "
            "nor closed: the previous period's dossiers in progress."
        ),
    ),
    (
        N_("Resolved early, on time, late"),
        N_(
            "Dossiers resolved within the period, by the day they were resolved (Vietnam "
            "time) compared with the appointment date: before it, on it, after it. A dossier "
            "without an appointment date counts as on time."
        ),
    ),
    (
        N_("In progress: on time, overdue"),
        N_(
            "Dossiers received and neither resolved nor closed at the end of the period (now, "
            "while it runs); overdue when the appointment date is before the last day counted, "
            "whoever holds the dossier."
        ),
    ),
    (
        N_("Closed without a result"),
        N_(
            "Received dossiers withdrawn, stopped or not accepted within the period. Carried "
            "over + received = resolved + in progress + closed without a result."
        ),
    ),
    (
        N_("Online share"),
        N_(
            "Of the dossiers received in the period, those submitted online (with an agent's "
            "help or by the citizen); the others came in person or by post. The target is 80%,"
            " reached when the share, to 0.1%, is at least 80.0%."
        ),
    ),
    (
        N_("Average working days"),
        N_(
            "For dossiers resolved in the period: working days after the day received up to "
            "and including the day resolved, skipping weekends and the holidays in the holiday "
            "table (working Saturdays count)."
        ),
    ),
    (
        N_("Satisfaction rate"),
        N_("(Very satisfied + satisfied) / ratings given in the period."),
    ),
    (
        N_("Spot-check score"),
        N_("Average score (0–100) of the spot checks completed in the period."),
    ),
    (
        N_("Consultations"),
        N_("Advice recorded in the advice log within the period."),
    ),
)
