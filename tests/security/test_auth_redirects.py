"""No open redirect: `next` after sign-in only ever names a path on this site."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import Flask

from tests.helpers.staff import StaffClock, create_staff, sign_in
from triage.web.access import safe_next

HOSTILE = [
    "https://evil.example",
    "//evil.example",
    "/\\evil.example",
    "////evil.example",
    "javascript:alert(1)",
    "%2F%2Fevil.example",
    "http:/evil.example",
    "/\t/evil.example",
    " //evil.example",
    "\\\\evil.example",
    "https:evil.example",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_next_values_are_refused(target: str) -> None:
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ["/staff/account", "/admin/audit?actor=a%40b.example&page=2", "/%2F%2Fevil.example"])
def test_site_paths_are_kept(target: str) -> None:
    assert safe_next(target) == target


def internal(location: str) -> bool:
    """A redirect target that stays on this site."""
    parts = urlsplit(location)
    return (
        not parts.scheme
        and not parts.netloc
        and location.startswith("/")
        and not location.startswith("//")
        and "\\" not in location
    )


@pytest.mark.parametrize("target", HOSTILE)
def test_sign_in_never_redirects_off_site(app: Flask, staff_clock: StaffClock, target: str) -> None:
    client = app.test_client()
    page = client.get("/staff/login", query_string={"next": target})
    assert b'<input id="next" name="next" type="hidden" value="">' in page.data
    final = sign_in(client, create_staff(app), next_=target)
    assert internal(final.location), final.location
    assert "evil" not in final.location and "javascript" not in final.location


@pytest.mark.parametrize("target", HOSTILE)
def test_an_already_signed_in_member_is_not_redirected_off_site(app: Flask, staff_clock: StaffClock, target: str) -> None:
    client = app.test_client()
    sign_in(client, create_staff(app))
    response = client.get("/staff/login", query_string={"next": target})
    assert response.status_code == 302 and internal(response.location)


def test_a_site_path_is_followed_after_sign_in(app: Flask, staff_clock: StaffClock) -> None:
    client = app.test_client()
    final = sign_in(client, create_staff(app, ("admin",)), next_="/admin/audit?page=1")
    assert final.location == "/admin/audit?page=1"
