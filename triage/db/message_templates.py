"""The texts of patient messages as an admin sets them (AppSetting rows), over the shipped defaults."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from triage.db.clock import utcnow
from triage.db.models import AppSetting
from triage.domain.invitations.message_text import BY_NAME, FIELDS, TemplateRefused, check_template, field_for

PREFIX = "messages."


@dataclass(frozen=True)
class MessageTemplates:
    """Every template's text in force; `customised` names those set in the app (the rest are the defaults)."""

    texts: Mapping[str, str]
    customised: frozenset[str] = field(default_factory=frozenset)
    changed_at: dt.datetime | None = None

    def for_message(self, kind: str, channel: str, part: str) -> str:
        """The text in force of one message part (e.g. the reminder email's subject)."""
        return self.texts[field_for(kind, channel, part).name]


def load_templates(session: Session) -> MessageTemplates:
    """The templates in force: each one set in the app, else its default."""
    rows = session.execute(
        select(AppSetting.key, AppSetting.value, AppSetting.changed_at).where(AppSetting.key.startswith(PREFIX))
    )
    stored: dict[str, str] = {}
    newest = None
    for key, value, changed in rows:
        name = key[len(PREFIX) :]
        if name in BY_NAME:
            stored[name] = value
            newest = changed if newest is None or (changed is not None and changed > newest) else newest
    texts = {f.name: stored.get(f.name, f.default) for f in FIELDS}
    return MessageTemplates(texts, frozenset(stored), newest)


def checked_templates(values: Mapping[str, str]) -> dict[str, str]:
    """Every given template as stored; raises TemplateRefused naming the first field that cannot be used."""
    cleaned = {}
    for name, text in values.items():
        if name not in BY_NAME:
            raise TemplateRefused(name, f"'{name}' is not a message template.")
        cleaned[name] = check_template(BY_NAME[name], text)
    return cleaned


def save_templates(session: Session, values: Mapping[str, str | None]) -> list[str]:
    """Store the templates given (None, or the default text itself: back to the default); returns the names changed."""
    before = load_templates(session)
    cleaned = checked_templates({k: v for k, v in values.items() if v is not None})
    now, changed = utcnow(), []
    for name in values:
        text = cleaned.get(name)
        if text is None or text == BY_NAME[name].default:
            if name in before.customised:
                session.execute(delete(AppSetting).where(AppSetting.key == PREFIX + name))
                changed.append(name)
            continue
        if before.texts[name] == text and name in before.customised:
            continue
        row = session.get(AppSetting, PREFIX + name)
        if row is None:
            session.add(AppSetting(key=PREFIX + name, value=text, changed_at=now))
        else:
            row.value, row.changed_at = text, now
        changed.append(name)
    session.flush()
    return changed
