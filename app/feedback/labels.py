"""The words of the rating form, defined once for the citizen's form, the thank-you note and
the staff's read-only view."""

from __future__ import annotations

from app.feedback.tables import CriterionScore, Level
from app.web.i18n import N_

LEVEL_LABELS: dict[str, str] = {
    Level.very_satisfied: N_("Very satisfied"),
    Level.satisfied: N_("Satisfied"),
    Level.dissatisfied: N_("Dissatisfied"),
}
LEVELS = tuple(LEVEL_LABELS)

# (field, question, short label for the recorded rating)
CRITERIA: tuple[tuple[str, str, str], ...] = (
    ("attitude", N_("The staff's attitude"), N_("Attitude")),
    ("guidance", N_("How clearly you were guided"), N_("Guidance")),
    ("waiting_time", N_("How long you waited"), N_("Waiting time")),
)
SCORE_LABELS: dict[str, str] = {
    CriterionScore.good: N_("Good"),
    CriterionScore.fair: N_("Fair"),
    CriterionScore.poor: N_("Poor"),
}
SCORES = tuple(SCORE_LABELS)

CHARGED_LABELS = {"yes": N_("Yes, I was asked to pay more"), "no": N_("No")}
SOURCE_LABELS = {"status": N_("status page"), "push": N_("notification")}
