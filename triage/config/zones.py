"""Time-zone names: the one check that a name is a zone the IANA database knows."""

from __future__ import annotations

import zoneinfo


def known_time_zone(name: str) -> bool:
    """Whether the IANA time-zone database knows this name (Europe/London, UTC, ...); paths are refused."""
    if not name or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True
