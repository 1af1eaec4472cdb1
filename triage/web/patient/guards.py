"""The one guard of every patient view that works on the intake: a verified bound session, a link still open, not yet sent."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Literal, TypeVar

from flask import redirect, url_for

from triage.web.access import database
from triage.web.patient.session import Bound, check_pending, closed_link_page, load_bound, locked_page, no_session_page

F = TypeVar("F", bound=Callable[..., Any])
SEE_OTHER = 303


def refusal(bound: Bound | None, submitted: Literal["done", "locked"] = "done") -> Any:
    """The response when the bound intake cannot be worked on, or None when it can."""
    if bound is None:
        return no_session_page()
    if bound.state == "submitted":
        return locked_page() if submitted == "locked" else redirect(url_for("patient.done"), SEE_OTHER)
    if bound.state != "open":
        return closed_link_page()
    return None


def bound_intake(*, lock: bool = False, submitted: Literal["done", "locked"] = "done") -> Callable[[F], F]:
    """Run the view as view(db_session, bound, **url_args) inside one database session, or refuse first.

    Deny by default: a session that has not passed the date-of-birth check is sent to it (and sees nothing else).
    `lock` takes the intake's write lock before it is read (posts that save); `submitted` says what a
    request for an intake already sent gets: the done page (pages, a repeated Send) or the 409 page (a change).
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with database().session() as db_session:
                bound = load_bound(db_session, lock=lock)
                if bound is None and check_pending(db_session):
                    return redirect(url_for("patient.check"), SEE_OTHER)  # the date of birth first
                refused = refusal(bound, submitted)
                if refused is not None or bound is None:
                    return refused
                return view(db_session, bound, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
