"""Who may do what: the one place roles are decided.

Admins come from ADMIN_IDS; staff from the database. Both are kept in PTB user filters so that a
whole group of handlers is guarded once, and a removed staff member loses access at once.
"""

from __future__ import annotations

from telegram.ext import filters

from bot.db import Database


class Access:
    def __init__(self, admin_ids: frozenset[int]) -> None:
        self.admin_ids = admin_ids
        self.admins = filters.User(user_id=admin_ids, allow_empty=False)
        # Staff includes admins: anything staff can do, an admin can do.
        self.staff = filters.User(user_id=admin_ids, allow_empty=False)
        self._staff_ids: set[int] = set()

    async def load(self, db: Database) -> None:
        self._staff_ids = await db.staff_ids()
        self.staff.add_user_ids(self._staff_ids)

    def grant(self, user_id: int) -> None:
        self._staff_ids.add(user_id)
        self.staff.add_user_ids(user_id)

    def revoke(self, user_id: int) -> None:
        self._staff_ids.discard(user_id)
        if user_id not in self.admin_ids:
            self.staff.remove_user_ids(user_id)

    def is_staff(self, user_id: int) -> bool:
        return user_id in self.admin_ids or user_id in self._staff_ids

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.admin_ids

    @property
    def staff_ids(self) -> frozenset[int]:
        """Staff added by admins (not counting the admins themselves)."""
        return frozenset(self._staff_ids)
