"""The citizen's look-up by dossier code and the last 4 digits of the phone, rate limited.

Rate-limit semantics (per IP address and per dossier code, sliding window, see
`app.web.ratelimit`): every attempt is counted *before* the look-up, atomically, so a burst
of parallel guesses cannot get past the limit; an attempt that is refused or that succeeds
is then taken back. So only failed look-ups count: a citizen who looks their dossier up
many times is never blocked, while guessing the 4 digits of one code (per code, from any
number of addresses) or trying many codes (per address) is. Malformed input (an empty code,
letters in the digits) is refused before anything is counted: it cannot be a guess.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from app.dossiers.selectors import token_for_lookup
from app.errors import DomainError, ValidationError
from app.web.i18n import N_
from app.web.ratelimit import RateLimiter, ratelimit_store

CODE_MAX_LENGTH = 40
_CODE_CHARS = re.compile(r"[A-Z0-9._\-]+")
_SEPARATORS = re.compile(r"[\s.\-]+")
_LAST4 = re.compile(r"[0-9]{4}")

MISMATCH = N_(
    "We found no dossier with this code and these phone digits. Check both against your "
    "receipt and try again."
)


class LookupMismatch(DomainError):
    """Any mismatch: unknown code, wrong digits. One message, so codes cannot be enumerated."""

    status_code = 400

    def __init__(self) -> None:
        super().__init__(MISMATCH)


class LookupThrottled(DomainError):
    status_code = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            N_(
                "Too many unsuccessful look-ups. For your security, please wait "
                "%(minutes)s minutes and try again, or ask the agent point for help."
            ),
            minutes=max(1, math.ceil(retry_after / 60)),
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class LookupLimits:
    per_ip: RateLimiter
    per_code: RateLimiter


def lookup_limits(app) -> LookupLimits:
    """The app's two limiters, made once from its settings."""
    limits = app.state.get("lookup_limits")
    if limits is None:
        settings = app.state.settings
        store = ratelimit_store(settings, app.state.sessions.store)
        window = settings.lookup_window_seconds
        limits = LookupLimits(
            per_ip=RateLimiter(
                store, name="lookup-ip", limit=settings.lookup_max_per_ip, window_seconds=window
            ),
            per_code=RateLimiter(
                store,
                name="lookup-code",
                limit=settings.lookup_max_per_code,
                window_seconds=window,
            ),
        )
        app.state["lookup_limits"] = limits
    return limits


def normalise_code(raw: str) -> str:
    """As printed, whatever the keyboard: full-width characters folded, spaces dropped."""
    return "".join(unicodedata.normalize("NFKC", raw or "").split()).upper()


def lookup_input(form: dict[str, str]) -> tuple[str, str]:
    """The code and the 4 digits, or ValidationError naming each field to fix."""
    errors: dict[str, str] = {}
    code = normalise_code(form.get("code", ""))
    if not code:
        errors["code"] = N_("Enter the dossier code printed on your receipt.")
    elif len(code) > CODE_MAX_LENGTH or not _CODE_CHARS.fullmatch(code):
        errors["code"] = N_(
            "A dossier code has only letters, digits, dots and dashes. Copy it from your receipt."
        )
    digits = _SEPARATORS.sub("", unicodedata.normalize("NFKC", form.get("last4", "") or ""))
    if not digits:
        errors["last4"] = N_("Enter the last 4 digits of the phone number you gave.")
    elif not _LAST4.fullmatch(digits):
        errors["last4"] = N_("Enter exactly 4 digits (0 to 9): the last 4 of your phone number.")
    if errors:
        raise ValidationError(errors)
    return code, digits


async def status_lookup(*, limits: LookupLimits, ip: str, code: str, last4: str) -> str:
    """The dossier's status token; LookupThrottled or LookupMismatch otherwise."""
    by_ip = await limits.per_ip.hit(ip)
    by_code = await limits.per_code.hit(code)
    if not (by_ip.allowed and by_code.allowed):
        await limits.per_ip.undo(ip, by_ip)
        await limits.per_code.undo(code, by_code)
        raise LookupThrottled(max(by_ip.retry_after, by_code.retry_after))
    token = await token_for_lookup(code, last4)
    if token is None:
        raise LookupMismatch()
    await limits.per_ip.undo(ip, by_ip)
    await limits.per_code.undo(code, by_code)
    return token
