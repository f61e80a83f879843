"""The words around the figures: the period's name and what the report covers, the same on
the dashboard, the printable report and the XLSX."""

from __future__ import annotations

from app.reports.periods import MONTH, QUARTER, ROMAN, Filters, Period
from app.web.i18n import N_, Translator, format_date

REPORT_TITLE = N_("Handling of administrative procedures at the public service agent points")


def period_title(period: Period, t: Translator) -> str:
    if period.kind == QUARTER:
        return t.gettext(N_("Quarter %(roman)s/%(year)s")) % {
            "roman": ROMAN[period.quarter_number - 1],
            "number": period.quarter_number,
            "year": period.first_day.year,
        }
    if period.kind == MONTH:
        return t.gettext(N_("Month %(month)s/%(year)s")) % {
            "month": period.first_day.month,
            "year": period.first_day.year,
        }
    return dates_text(period, t)


def dates_text(period: Period, t: Translator) -> str:
    return t.gettext(N_("%(first)s to %(last)s")) % {
        "first": format_date(period.first_day),
        "last": format_date(period.last_day),
    }


def scope_text(filters: Filters, points: int, t: Translator) -> str:
    """What the report covers, e.g. "District: Ba Vì · phase 1 · 12 points"."""
    parts = []
    if filters.district:
        parts.append(t.gettext(N_("District: %(name)s")) % {"name": filters.district})
    if filters.phase is not None:
        parts.append(t.gettext(N_("Phase %(phase)s points")) % {"phase": filters.phase})
    if filters.point_ids:
        parts.append(t.gettext(N_("Chosen points")))
    if not parts:
        parts.append(t.gettext(N_("Every point you oversee")))
    parts.append(t.ngettext("%(num)d point", "%(num)d points", points) % {"num": points})
    return " · ".join(parts)
