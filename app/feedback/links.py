"""Where a citizen rates: the status page's rating section, reached from the page itself or
from the push invitation (whose link carries a marker, so the rating records where it came
from). No imports of the app here: the notifications package builds the invitation's URL
from it."""

from __future__ import annotations

SECTION_ID = "danh-gia"
MARKER_PARAM = "nguon"  # ?nguon=thong-bao
PUSH_MARKER = "thong-bao"
SOURCE_STATUS = "status"
SOURCE_PUSH = "push"


def rating_url(token: str) -> str:
    """The push invitation's link: the status page, scrolled to the rating form."""
    return f"/theo-doi/{token}?{MARKER_PARAM}={PUSH_MARKER}#{SECTION_ID}"


def post_url(token: str) -> str:
    return f"/theo-doi/{token}/danh-gia"


def source_for_marker(marker: str) -> str:
    return SOURCE_PUSH if marker == PUSH_MARKER else SOURCE_STATUS
