"""Invites: staff enroll a patient, the patient taps a one-time link, agrees, and is linked.

A token is 192 random bits in the deep link; only its SHA-256 is stored, so a copy of the database
cannot be used to join. The first Telegram account that opens a link owns it; any other account that
opens it is refused, which stops a forwarded link from linking a stranger.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from bot.db import Patient, PatientStore

TOKEN_BYTES = 24  # 192 bits; token_urlsafe gives 32 characters of [A-Za-z0-9_-]
DEEP_LINK_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_DISPLAY_NAME = 64
_NAME_CHARS = re.compile(r"^[\w .,'()&<>/-]+$")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def invite_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


def clean_display_name(raw: str) -> str | None:
    """A tidy display name, or None when it is empty, too long or made of odd characters.

    HTML characters are allowed (they are escaped wherever a name is shown); control and
    invisible characters are not, so a name always reads the same everywhere.
    """
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not name or len(name) > MAX_DISPLAY_NAME:
        return None
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Co", "Cs"} for ch in name):
        return None
    if not _NAME_CHARS.match(name) or not any(ch.isalpha() for ch in name):
        return None
    return name


@dataclass(frozen=True)
class Enrollment:
    patient_id: int
    token: str
    expires_at: datetime


async def enroll(db: PatientStore, now: datetime, staff_id: int, name: str, ttl_days: int) -> Enrollment:
    token = new_token()
    expires_at = now + timedelta(days=ttl_days)
    patient_id = await db.create_patient_with_invite(now, staff_id, name, hash_token(token), expires_at)
    return Enrollment(patient_id, token, expires_at)


async def reissue_invite(
    db: PatientStore, now: datetime, staff_id: int, patient_id: int, ttl_days: int
) -> Enrollment:
    """A fresh link for a patient who lost theirs; the old one stops working."""
    token = new_token()
    expires_at = now + timedelta(days=ttl_days)
    await db.replace_invite(now, staff_id, patient_id, hash_token(token), expires_at)
    return Enrollment(patient_id, token, expires_at)


class InviteStatus(Enum):
    OK = "ok"
    INVALID = "invalid"  # unknown, expired, used, revoked, or opened by another account
    ALREADY_LINKED = "already_linked"  # this Telegram account already belongs to a patient


@dataclass(frozen=True)
class InviteCheck:
    status: InviteStatus
    invite_id: int | None = None
    patient: Patient | None = None


async def open_invite(db: PatientStore, now: datetime, token: str, user_id: int) -> InviteCheck:
    """Check a deep-link token for this account and, if good, reserve it for this account."""
    if await db.patient_by_user(user_id) is not None:
        return InviteCheck(InviteStatus.ALREADY_LINKED)
    if not DEEP_LINK_PAYLOAD.match(token):
        return InviteCheck(InviteStatus.INVALID)
    invite = await db.invite_by_hash(hash_token(token))
    if invite is None or not _usable(invite.used_at, invite.revoked_at, invite.expires_at, now):
        return InviteCheck(InviteStatus.INVALID)
    if not await db.mark_invite_opened(now, invite.id, user_id):
        return InviteCheck(InviteStatus.INVALID)
    patient = await db.patient(invite.patient_id)
    if patient is None:
        return InviteCheck(InviteStatus.INVALID)
    return InviteCheck(InviteStatus.OK, invite.id, patient)


async def accept_invite(
    db: PatientStore,
    now: datetime,
    invite_id: int,
    user_id: int,
    chat_id: int,
    timezone: str,
    language: str = "en",
) -> InviteCheck:
    """Link the account after the patient agreed; re-checks everything, since buttons go stale.

    ``language`` (from the patient's Telegram app) becomes the patient's language when they first join.
    """
    if await db.patient_by_user(user_id) is not None:
        return InviteCheck(InviteStatus.ALREADY_LINKED)
    invite = await db.invite_by_id(invite_id)
    if (
        invite is None
        or invite.opened_by != user_id
        or not _usable(invite.used_at, invite.revoked_at, invite.expires_at, now)
    ):
        return InviteCheck(InviteStatus.INVALID)
    if not await db.link_patient(now, invite.id, invite.patient_id, user_id, chat_id, timezone, language):
        return InviteCheck(InviteStatus.INVALID)
    return InviteCheck(InviteStatus.OK, invite.id, await db.patient(invite.patient_id))


def _usable(
    used_at: datetime | None, revoked_at: datetime | None, expires_at: datetime, now: datetime
) -> bool:
    return used_at is None and revoked_at is None and now < expires_at
