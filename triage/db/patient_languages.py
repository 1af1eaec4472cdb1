"""Which shipped languages a clinic offers its patients: the admin's switch, stored as the languages switched off.

Storing what is off (not what is on) means a language shipped later is offered until an admin switches it off. English,
the source of every text, is always offered and cannot be switched off.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.orm import Session

from triage.db.clock import utcnow
from triage.db.models import AppSetting
from triage.domain.languages import SOURCE_LANGUAGE

KEY = "languages.switched_off"


def switched_off(session: Session) -> frozenset[str]:
    """The language codes an admin switched off for patients (empty: every shipped language is offered)."""
    row = session.get(AppSetting, KEY)
    return frozenset(code for code in (row.value if row else "").split(",") if code and code != SOURCE_LANGUAGE)


def set_switched_off(session: Session, codes: Collection[str]) -> bool:
    """Store the languages switched off (English never is); True when that changed. The caller commits."""
    value = ",".join(sorted({code for code in codes if code and code != SOURCE_LANGUAGE}))
    row = session.get(AppSetting, KEY)
    if row is None:
        if not value:
            return False
        session.add(AppSetting(key=KEY, value=value, changed_at=utcnow()))
        return True
    if row.value == value:
        return False
    row.value, row.changed_at = value, utcnow()
    return True
