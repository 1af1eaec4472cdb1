"""Two app instances (two HTTP servers, one database, one SECRET_KEY) continue one patient's form between them."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator

import pytest
import requests
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from tests.helpers.patient import (
    DONE_URL,
    PLAN,
    REVIEW_URL,
    evaluations,
    expected_answers,
    intake_row,
    new_invitation,
    stored_answers,
)

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_NAMES = re.compile(r'\bname="([^"]+)"')


@pytest.fixture
def two_servers(make_app: Callable[..., Flask]) -> Iterator[tuple[Flask, list[str]]]:
    """Two separate app instances on the test's database, each behind its own HTTP server on 127.0.0.1."""
    apps = [make_app(), make_app()]
    servers: list[BaseWSGIServer] = [make_server("127.0.0.1", 0, a, threaded=True) for a in apps]
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    yield apps[0], [f"http://127.0.0.1:{s.server_port}" for s in servers]
    for server in servers:
        server.shutdown()
        server.server_close()
    for thread in threads:
        thread.join(timeout=5)


def _post_step(browser: requests.Session, base: str, path: str) -> requests.Response:
    page = browser.get(base + path, allow_redirects=False, timeout=10)
    assert page.status_code == 200, (base, path, page.status_code)
    names = set(_NAMES.findall(page.text)) - {"csrf_token", "action"}
    found = _CSRF.search(page.text)
    assert found
    data: list[tuple[str, str]] = [(n, v) for n in sorted(names) if n in PLAN for v in PLAN[n]]
    data += [("csrf_token", found.group(1)), ("action", "next")]
    return browser.post(base + path, data=data, allow_redirects=False, timeout=10)


def test_one_patient_continues_across_two_instances(two_servers: tuple[Flask, list[str]]) -> None:
    app, bases = two_servers
    token, intake_id = new_invitation(app)
    # One browser, one cookie jar: like a load balancer sending each request to either instance.
    browser = requests.Session()
    first = browser.get(f"{bases[0]}/i/{token}", allow_redirects=False, timeout=10)
    assert first.status_code == 303 and token not in first.headers["Location"]
    path = re.search(r'class="button primary" href="([^"]+)"', browser.get(bases[1] + "/intake", timeout=10).text).group(1)  # type: ignore[union-attr]
    served_by = []
    turn = 0
    while path != REVIEW_URL:
        base = bases[turn % 2]
        response = _post_step(browser, base, path)
        if response.status_code == 303 and response.headers["Location"] == path:  # follow-ups added: the other instance asks them
            turn += 1
            response = _post_step(browser, bases[turn % 2], path)
        assert response.status_code == 303, (path, response.status_code)
        served_by.append((path, base))
        path = response.headers["Location"]
        turn += 1
    assert {base for _, base in served_by} == set(bases)
    review = browser.get(bases[turn % 2] + REVIEW_URL, timeout=10)
    assert review.status_code == 200 and "Check and send" in review.text
    assert stored_answers(app, intake_id) == expected_answers()
    csrf = _CSRF.search(review.text).group(1)  # type: ignore[union-attr]
    sent = browser.post(
        bases[(turn + 1) % 2] + REVIEW_URL,
        data={"csrf_token": csrf, "consent_true": "yes", "consent_use": "yes"},
        allow_redirects=False,
        timeout=10,
    )
    assert sent.status_code == 303 and sent.headers["Location"].endswith(DONE_URL)
    again = browser.post(
        bases[turn % 2] + REVIEW_URL,
        data={"csrf_token": csrf, "consent_true": "yes", "consent_use": "yes"},
        allow_redirects=False,
        timeout=10,
    )
    assert again.status_code == 303 and again.headers["Location"] == sent.headers["Location"]
    assert "Your clinic has your answers" in browser.get(bases[0] + DONE_URL, timeout=10).text
    assert intake_row(app, intake_id).status == "submitted" and evaluations(app, intake_id) == 1
