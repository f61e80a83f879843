"""A citizen's rating of the service for one dossier (one per dossier), attributed to the
point and agent who handled it."""

from enum import StrEnum

from piccolo.columns import Boolean, ForeignKey, Text, Timestamptz, Varchar
from piccolo.table import Table

from app.accounts.tables import User
from app.dossiers.tables import Dossier
from app.points.tables import AgentPoint


class Level(StrEnum):
    """The three-level scale of Vietnamese public-service portals."""

    very_satisfied = "very_satisfied"  # Rất hài lòng
    satisfied = "satisfied"  # Hài lòng
    dissatisfied = "dissatisfied"  # Không hài lòng


class CriterionScore(StrEnum):
    good = "good"
    fair = "fair"
    poor = "poor"
    unanswered = ""


class SatisfactionRating(Table, tablename="satisfaction_rating"):
    dossier = ForeignKey(references=Dossier, null=False, unique=True)
    point = ForeignKey(references=AgentPoint, null=False, index=True)
    agent = ForeignKey(references=User, null=True)
    level = Varchar(length=16, choices=Level)
    attitude = Varchar(length=8, choices=CriterionScore, default=CriterionScore.unanswered)
    guidance = Varchar(length=8, choices=CriterionScore, default=CriterionScore.unanswered)
    waiting_time = Varchar(length=8, choices=CriterionScore, default=CriterionScore.unanswered)
    charged_extra = Boolean(null=True, default=None)  # asked to pay beyond the official fee
    comment = Text(default="")
    source = Varchar(length=8, default="status")  # status page | push invitation
    created_at = Timestamptz(index=True)
