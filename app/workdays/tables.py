"""The maintained holiday table (lunar dates and compensatory days change every year)."""

from piccolo.columns import Boolean, Date, Varchar
from piccolo.table import Table


class Holiday(Table, tablename="holiday"):
    day = Date(unique=True)
    name = Varchar(length=255)
    is_compensatory = Boolean(default=False)  # ngày nghỉ bù
    is_working_weekend = Boolean(default=False)  # a Saturday/Sunday made a working day (đi làm bù)
