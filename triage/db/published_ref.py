"""The published ruleset's reference for the step save's red-flag pass, kept per process for a few seconds.

Every patient step save runs the red-flag pass, and looking the newest published version up was one query per save.
Here it is read at most once every REFRESH_SECONDS per database engine. A publication in this process forgets it as
soon as it commits; one in another process (another web worker, the CLI) is seen within REFRESH_SECONDS. The
submission's full evaluation never uses this: it reads the published version in its own transaction.
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from triage.db import rulesets

REFRESH_SECONDS = 2.0

Ref = tuple[int, str] | None
_known: weakref.WeakKeyDictionary[Engine, tuple[float, Ref]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def published_ref(session: Session, now: float | None = None) -> Ref:
    """(id, sha256) of the newest published version (None while none is stored), re-read after REFRESH_SECONDS."""
    engine, moment = _engine_of(session), time.monotonic() if now is None else now
    with _lock:
        known = _known.get(engine)
    if known is not None and 0 <= moment - known[0] < REFRESH_SECONDS:
        return known[1]
    ref = rulesets.latest_published_ref(session)
    with _lock:
        _known[engine] = (moment, ref)
    return ref


def forget() -> None:
    """Drop every kept reference in this process: the next red-flag pass reads the published version again."""
    with _lock:
        _known.clear()


def forget_after_commit(session: Session) -> None:
    """Forget the kept references once this session's transaction commits (a publication has just been written)."""

    def committed(_session: Any) -> None:
        forget()

    event.listen(session, "after_commit", committed, once=True)
