"""The fake workspace's users, shaped like users.info, with time zones computed by zoneinfo."""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

_ZONE_NAMES = {
    "EST": "Eastern Standard Time",
    "EDT": "Eastern Daylight Time",
    "CST": "Central Standard Time",
    "CDT": "Central Daylight Time",
    "MST": "Mountain Standard Time",
    "MDT": "Mountain Daylight Time",
    "PST": "Pacific Standard Time",
    "PDT": "Pacific Daylight Time",
    "AKST": "Alaska Standard Time",
    "AKDT": "Alaska Daylight Time",
    "HST": "Hawaii-Aleutian Standard Time",
    "UTC": "Coordinated Universal Time",
    "GMT": "Greenwich Mean Time",
    "BST": "British Summer Time",
    "CET": "Central European Time",
    "CEST": "Central European Summer Time",
    "EET": "Eastern European Time",
    "EEST": "Eastern European Summer Time",
    "IST": "India Standard Time",
    "JST": "Japan Standard Time",
    "AEST": "Australian Eastern Standard Time",
    "AEDT": "Australian Eastern Daylight Time",
}


def tz_fields(tz: str, at: datetime) -> dict[str, Any]:
    """users.info's tz, tz_label and tz_offset (seconds east of UTC) for a zone at an instant."""
    local = at.astimezone(ZoneInfo(tz))
    offset = local.utcoffset()
    abbreviation = local.tzname() or tz
    return {
        "tz": tz,
        "tz_label": _ZONE_NAMES.get(abbreviation, abbreviation),
        "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
    }


class Directory:
    """Users by id, each stored as the users.info `user` object."""

    def __init__(self, team_id: str) -> None:
        """Start empty for one team."""
        self.team_id = team_id
        self._users: dict[str, dict[str, Any]] = {}

    def add(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        tz: str = "America/New_York",
        is_bot: bool = False,
        deleted: bool = False,
        email: str | None = None,
    ) -> None:
        """Add or replace a user; the zone name is checked now so typos fail early."""
        ZoneInfo(tz)
        handle = name or user_id.lower()
        full_name = real_name or handle.replace(".", " ").title()
        self._users[user_id] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": handle,
            "deleted": deleted,
            "color": "9f69e7",
            "real_name": full_name,
            "tz": tz,
            "tz_label": "",
            "tz_offset": 0,
            "profile": {
                "real_name": full_name,
                "display_name": handle,
                "real_name_normalized": full_name,
                "display_name_normalized": handle,
                "email": email or f"{handle}@example.com",
                "team": self.team_id,
            },
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "updated": 1502138686,
            "is_app_user": False,
            "has_2fa": False,
        }

    def __contains__(self, user_id: object) -> bool:
        """Whether the user exists."""
        return user_id in self._users

    def by_email(self, email: str) -> str | None:
        """The id of the user with this profile email (compared without case), or None."""
        wanted = email.strip().lower()
        return next(
            (
                uid
                for uid, user in self._users.items()
                if user["profile"]["email"].lower() == wanted
            ),
            None,
        )

    def info(self, user_id: str, at: datetime | None = None) -> dict[str, Any] | None:
        """The users.info `user` object as of `at` (now by default), or None when unknown."""
        stored = self._users.get(user_id)
        if stored is None:
            return None
        return {**stored, **tz_fields(stored["tz"], at or datetime.now(UTC))}
