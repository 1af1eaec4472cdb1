"""Patient link tokens never reach request logs, whichever server writes them."""

from __future__ import annotations

import logging

import pytest
from flask import Flask

from triage.web.logs import REQUEST_LOGGERS


@pytest.mark.parametrize("logger_name", REQUEST_LOGGERS)
def test_request_lines_with_a_token_are_redacted(app: Flask, logger_name: str, caplog: pytest.LogCaptureFixture) -> None:
    token = "Zq3-secret_token_value_0123456789abcdefghijkl"
    logger = logging.getLogger(logger_name)
    with caplog.at_level(logging.INFO, logger=logger_name):
        logger.info('%s - - "%s" %s', "127.0.0.1", f"GET /i/{token} HTTP/1.1", "303")
        logger.info(f"GET /i/{token}?x=1 HTTP/1.1")
    text = caplog.text
    assert token not in text
    assert text.count("/i/[redacted]") == 2


TOKEN = "Zq3-secret_token_value_0123456789abcdefghijkl"


def test_gunicorns_dict_arguments_are_redacted_in_place(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    from gunicorn.glogging import SafeAtoms  # type: ignore[import-untyped]

    atoms = SafeAtoms({"r": f"GET /i/{TOKEN} HTTP/1.1", "U": f"/i/{TOKEN}", "s": 303, "{referer}i": f"http://x/i/{TOKEN}"})
    with caplog.at_level(logging.INFO, logger="gunicorn.access"):
        logging.getLogger("gunicorn.access").info('"%(r)s" %(s)s "%(U)s" "%({referer}i)s" "%({missing}i)s"', atoms)
    (record,) = caplog.records
    assert record.getMessage() == '"GET /i/[redacted] HTTP/1.1" 303 "/i/[redacted]" "http://x/i/[redacted]" "-"'
    assert TOKEN not in caplog.text


def test_every_way_of_calling_a_logger_is_redacted(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    class Url:
        def __str__(self) -> str:
            return f"http://localhost/i/{TOKEN}"

    log = logging.getLogger("triage.anything")
    with caplog.at_level(logging.DEBUG):
        log.info(f"preformatted /i/{TOKEN}")
        log.info("tuple %s %d", f"/i/{TOKEN}", 3)
        log.info("object %s", Url())
        log.info("bytes %s", f"/i/{TOKEN}".encode())
        log.info(Url())
        log.info("stack", stack_info=True, extra={"path": f"/i/{TOKEN}"})
        try:
            raise ValueError(f"failed on /i/{TOKEN}")
        except ValueError:
            log.exception("request failed")
        logging.getLogger("some.library").warning("%s", f"/i/{TOKEN}")
    assert TOKEN not in caplog.text
    assert TOKEN not in "".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert caplog.text.count("/i/[redacted]") >= 8


def test_sqlalchemy_result_rows_are_dropped_and_pg_detail_is_redacted() -> None:
    from triage.web.logs import RedactingFilter, redact

    row = logging.LogRecord("sqlalchemy.engine.Engine", logging.DEBUG, "", 0, "Row %r", (("Patient Name",),), None)
    statement = logging.LogRecord("sqlalchemy.engine.Engine", logging.INFO, "", 0, "INSERT INTO answers ...", None, None)
    assert RedactingFilter().filter(row) is False and RedactingFilter().filter(statement) is True
    error = 'new row violates check constraint "x"\nDETAIL:  Failing row contains (7, full_name, "Patient Name").'
    assert "Patient Name" not in redact(error) and "DETAIL: [redacted]" in redact(error)


def test_every_engine_hides_query_parameters(app: Flask) -> None:
    from sqlalchemy import text

    from triage.db.session import make_engine

    assert app.extensions["triage_db"].engine.hide_parameters is True
    engine = make_engine("sqlite://")
    with pytest.raises(Exception) as failed, engine.connect() as conn:  # noqa: PT011 - any database error will do
        conn.execute(text("INSERT INTO nowhere VALUES (:name)"), {"name": "Patient Secret Name"})
    assert "Patient Secret Name" not in str(failed.value) and "hidden" in str(failed.value)
    engine.dispose()


def test_what_was_typed_for_an_unknown_account_is_not_logged(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    from tests.helpers.staff import submit_password

    typed = "Correct-Horse-Battery-9"  # a password typed into the email field
    with caplog.at_level(logging.DEBUG):
        submit_password(app.test_client(), typed, "anything-at-all-here")
    assert "an unknown account" in caplog.text
    assert typed not in caplog.text and typed.lower() not in caplog.text
