"""The placeholders each kind of reply line may use, checked at load rather than at send."""

from __future__ import annotations

import re
from typing import Final

from bot.content import ContentError, placeholders

COMMON_FIELDS: Final = frozenset(
    {
        "clinic_name",
        "clinic_phone",
        "clinic_address",
        "hours_line",
        "booking_line",
        "sore_expect_low",
        "sore_expect_high",
        "not_easing_hours",
        "headache_hours",
        "fever_f",
        "fever_c",
    }
)
SESSION_FIELDS: Final = COMMON_FIELDS | {"ago"}
RED_FLAG_FIELDS: Final = COMMON_FIELDS | {"why", "call_911_if"}
# The person a message is about, when not the writer: {they} {them} {their}.
PERSON_FIELDS: Final = frozenset({"they", "them", "their", "themselves"})
_ALLOWED_TAG: Final = re.compile(r"</?[bi]>")
_ANY_TAG: Final = re.compile(r"<[^>]*>")


def check_reply(text: str, allowed: frozenset[str], where: str) -> None:
    """Reject unknown placeholders and any HTML other than <b>/<i>, at load rather than at send."""
    try:
        fields = placeholders(text)
    except (ValueError, ContentError) as exc:
        raise ContentError(f"{where}: bad braces in text ({exc})") from exc
    for field_name in sorted(fields - allowed):
        known = ", ".join("{" + a + "}" for a in sorted(allowed))
        raise ContentError(f"{where}: unknown placeholder {{{field_name}}} (allowed here: {known})")
    for tag in _ANY_TAG.findall(text):
        if not _ALLOWED_TAG.fullmatch(tag):
            raise ContentError(f"{where}: only <b> and <i> are allowed in replies, found {tag}")


def fmt_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
