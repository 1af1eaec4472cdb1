"""Writing a step's changed answers in two statements at most: one upsert of every changed row, one delete (no ORM flush)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from triage.db.models import Answer
from triage.domain.questionnaire.questions import Answer as AnswerValue

ANSWERS = cast(Table, Answer.__table__)


def write_answers(
    session: Session, intake_id: int, questionnaire_version: str, values: Mapping[str, AnswerValue | None], now: dt.datetime
) -> None:
    """Store these answers of an intake (None removes one): new ones inserted, stored ones given the new value.

    The caller holds the intake's write lock and has checked that it is still open (save_step's conditional UPDATE), so
    no ORM guard is needed here; an answer keeps the questionnaire version that first asked it, as before. Answer
    objects already loaded in this session are not refreshed (the save path reads answers as plain values).
    """
    cleared = [qid for qid, value in values.items() if value is None]
    kept = [
        {
            "intake_id": intake_id,
            "question_id": qid,
            "questionnaire_version": questionnaire_version,
            "value": value,
            "updated_at": now,
        }
        for qid, value in values.items()
        if value is not None
    ]
    if cleared:
        session.execute(delete(ANSWERS).where(ANSWERS.c.intake_id == intake_id, ANSWERS.c.question_id.in_(cleared)))
    if kept:
        session.execute(_upsert(session.get_bind().dialect.name), kept)


@lru_cache(maxsize=4)
def _upsert(dialect: str) -> Any:
    # One statement per dialect, built once and executed with the rows as its parameter sets: its compiled form is
    # cached, where a multi-row VALUES would be compiled again for every save.
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(ANSWERS)
    return statement.on_conflict_do_update(
        index_elements=[ANSWERS.c.intake_id, ANSWERS.c.question_id],
        set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
    )
