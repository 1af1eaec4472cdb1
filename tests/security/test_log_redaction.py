"""Patient link tokens never reach request logs, whichever server writes them."""

from __future__ import annotations

import logging

import pytest
from flask import Flask

from triage.web.security import REQUEST_LOGGERS


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
