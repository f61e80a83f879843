"""Vietnam's public holidays for 2025–2027 as the state administration observes them.

Statutory days come from Labour Code 2019 art. 112: New Year (1 Jan), Tết Nguyên đán (5 days),
Hùng Kings' day (10/3 lunar), Victory day (30 Apr), Labour day (1 May), National Day (2 Sep
and one day before or after). A statutory day falling on a Saturday or Sunday gives a
compensatory day off (nghỉ bù) on the next working day. Each year the government also decides
the exact Tết days and may swap a working day with a Saturday (hoán đổi): the weekday becomes
a day off and the Saturday a working day (`is_working_weekend`).

Only rows whose day is missing are inserted, so an administrator's corrections survive a new
run of the seed. Entries marked `# verify` were not confirmed in an official decision.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from app.workdays.tables import Holiday


class HolidaySeed(NamedTuple):
    day: dt.date
    name: str
    is_compensatory: bool = False
    is_working_weekend: bool = False


D = dt.date
NEW_YEAR = "Tết Dương lịch"
TET = "Tết Nguyên đán"
HUNG_KINGS = "Giỗ Tổ Hùng Vương (10/3 âm lịch)"
VICTORY = "Ngày Chiến thắng (30/4)"
LABOUR = "Ngày Quốc tế Lao động (1/5)"
NATIONAL = "Quốc khánh (2/9)"
NATIONAL_ADJACENT = "Quốc khánh (ngày liền kề 2/9)"


def _swap_off(day: dt.date, saturday: dt.date, occasion: str) -> HolidaySeed:
    return HolidaySeed(day, f"Nghỉ hoán đổi dịp {occasion} (làm bù {saturday:%d/%m/%Y})")


def _swap_work(saturday: dt.date, day: dt.date, occasion: str) -> HolidaySeed:
    return HolidaySeed(
        saturday, f"Làm bù cho ngày {day:%d/%m/%Y} dịp {occasion}", is_working_weekend=True
    )


HOLIDAYS_2025: tuple[HolidaySeed, ...] = (
    HolidaySeed(D(2025, 1, 1), NEW_YEAR),
    # Tết Ất Tỵ: off Sat 25 Jan – Sun 2 Feb, 5 statutory days + 2 weekends, nothing to make up
    # (Office of Government letter 8726/VPCP-KGVX of 26 Nov 2024).
    *(HolidaySeed(D(2025, 1, d), TET) for d in (27, 28, 29, 30, 31)),
    HolidaySeed(D(2025, 4, 7), HUNG_KINGS),
    HolidaySeed(D(2025, 4, 30), VICTORY),
    HolidaySeed(D(2025, 5, 1), LABOUR),
    # Fri 2 May off, made up on Sat 26 Apr (civil servants: off 30 Apr – 4 May).
    _swap_off(D(2025, 5, 2), D(2025, 4, 26), "30/4 – 1/5"),
    _swap_work(D(2025, 4, 26), D(2025, 5, 2), "30/4 – 1/5"),
    # National Day: off Sat 30 Aug – Tue 2 Sep.
    HolidaySeed(D(2025, 9, 1), NATIONAL_ADJACENT),
    HolidaySeed(D(2025, 9, 2), NATIONAL),
)

HOLIDAYS_2026: tuple[HolidaySeed, ...] = (
    # New Year: off Thu 1 – Sun 4 Jan; Fri 2 Jan made up on Sat 10 Jan
    # (Office of Government letter 12729/VPCP-KGVX of 25 Dec 2025).
    HolidaySeed(D(2026, 1, 1), NEW_YEAR),
    _swap_off(D(2026, 1, 2), D(2026, 1, 10), "Tết Dương lịch"),
    _swap_work(D(2026, 1, 10), D(2026, 1, 2), "Tết Dương lịch"),
    # Tết Bính Ngọ: off Sat 14 – Sun 22 Feb (27 tháng Chạp – mùng 6), weekdays 16–20 Feb.
    *(HolidaySeed(D(2026, 2, d), TET) for d in (16, 17, 18, 19, 20)),
    # Hùng Kings' day is Sunday 26 Apr: compensatory day Monday 27 Apr.
    HolidaySeed(D(2026, 4, 26), HUNG_KINGS),
    HolidaySeed(D(2026, 4, 27), f"Nghỉ bù {HUNG_KINGS}", is_compensatory=True),
    HolidaySeed(D(2026, 4, 30), VICTORY),
    HolidaySeed(D(2026, 5, 1), LABOUR),
    # National Day: Tue 1 + Wed 2 Sep; Mon 31 Aug off, made up on Sat 22 Aug: the Ministry
    # of Home Affairs' proposal of Oct 2025 (off Sat 29 Aug – Wed 2 Sep).
    HolidaySeed(D(2026, 9, 1), NATIONAL_ADJACENT),
    HolidaySeed(D(2026, 9, 2), NATIONAL),
    _swap_off(D(2026, 8, 31), D(2026, 8, 22), "Quốc khánh"),  # verify: final decision
    _swap_work(D(2026, 8, 22), D(2026, 8, 31), "Quốc khánh"),  # verify: final decision
)

HOLIDAYS_2027: tuple[HolidaySeed, ...] = (
    HolidaySeed(D(2027, 1, 1), NEW_YEAR),
    # Tết Đinh Mùi: mùng 1 is Sat 6 Feb 2027. No decision found yet; provisional days from the
    # Labour Code: 29 tháng Chạp (Fri 5 Feb) + mùng 1–4, the two weekend days compensated on
    # Wed 10 and Thu 11 Feb.
    HolidaySeed(D(2027, 2, 5), TET),  # verify
    HolidaySeed(D(2027, 2, 6), TET),  # verify
    HolidaySeed(D(2027, 2, 7), TET),  # verify
    HolidaySeed(D(2027, 2, 8), TET),  # verify
    HolidaySeed(D(2027, 2, 9), TET),  # verify
    HolidaySeed(D(2027, 2, 10), f"Nghỉ bù {TET}", is_compensatory=True),  # verify
    HolidaySeed(D(2027, 2, 11), f"Nghỉ bù {TET}", is_compensatory=True),  # verify
    HolidaySeed(D(2027, 4, 16), HUNG_KINGS),  # verify: 10/3 lunar computed, Friday
    HolidaySeed(D(2027, 4, 30), VICTORY),
    # 1 May 2027 is a Saturday: compensatory day Monday 3 May.
    HolidaySeed(D(2027, 5, 1), LABOUR),
    HolidaySeed(D(2027, 5, 3), f"Nghỉ bù {LABOUR}", is_compensatory=True),
    # 2 Sep 2027 is a Thursday; the adjacent day is not decided yet: Friday 3 Sep assumed.
    HolidaySeed(D(2027, 9, 2), NATIONAL),
    HolidaySeed(D(2027, 9, 3), NATIONAL_ADJACENT),  # verify
)

HOLIDAYS: tuple[HolidaySeed, ...] = HOLIDAYS_2025 + HOLIDAYS_2026 + HOLIDAYS_2027


async def holidays_seed() -> int:
    """Inserts the holidays above whose day is not in the table yet; returns how many."""
    existing = {row["day"] for row in await Holiday.select(Holiday.day)}
    missing = [h for h in HOLIDAYS if h.day not in existing]
    if missing:
        await Holiday.insert(
            *(
                Holiday(
                    day=h.day,
                    name=h.name,
                    is_compensatory=h.is_compensatory,
                    is_working_weekend=h.is_working_weekend,
                )
                for h in missing
            )
        )
    return len(missing)
