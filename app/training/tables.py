"""Training courses, their sessions, and each staff member's attendance and result."""

from enum import StrEnum

from piccolo.columns import Boolean, Date, ForeignKey, Text, Timestamptz, Varchar
from piccolo.table import Table

from app.accounts.tables import User


class AttendanceResult(StrEnum):
    pending = "pending"  # attended, not assessed yet
    passed = "passed"
    failed = "failed"


class TrainingCourse(Table, tablename="training_course"):
    topic = Varchar(length=255)
    description = Text(default="")
    created_at = Timestamptz()


class TrainingSession(Table, tablename="training_session"):
    course = ForeignKey(references=TrainingCourse, null=False)
    day = Date()
    trainer = Varchar(length=255)
    place = Varchar(length=500)
    created_at = Timestamptz()


class TrainingAttendance(Table, tablename="training_attendance"):
    key = Varchar(length=40, unique=True)  # "<session id>:<staff id>": one row per person
    session = ForeignKey(references=TrainingSession, null=False)
    staff = ForeignKey(references=User, null=False)
    attended = Boolean(default=False)
    result = Varchar(length=16, choices=AttendanceResult, default=AttendanceResult.pending)
    note = Varchar(length=500, default="")
    recorded_by = ForeignKey(references=User, null=True, default=None)
    recorded_at = Timestamptz()
