"""The letterhead logo an admin uploads heads every patient page, fetched once from a URL that changes with the image."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

from flask import Flask

from tests.web.test_clinic_details_admin import _png, _save

LOGO_URL = re.compile(r'<img class="clinic-logo" src="(/clinic-logo/[0-9a-f]{16})" alt="">')


def test_patient_pages_show_the_logo_from_a_cached_url_and_not_inline(app: Flask, staff_login: Callable[..., Any]) -> None:
    patient = app.test_client()
    assert "clinic-logo" not in patient.get("/privacy").get_data(as_text=True)  # no logo set: none shown
    admin = app.test_client()
    staff_login(admin, ("admin",))
    image = _png()
    assert _save(admin, logo=(io.BytesIO(image), "logo.png")).status_code == 302

    page = patient.get("/privacy").get_data(as_text=True)
    found = LOGO_URL.search(page)
    assert found is not None and "data:image" not in page  # a URL, so a patient page stays light
    logo = patient.get(found[1])
    assert logo.status_code == 200 and logo.data == image and logo.mimetype == "image/png"
    assert logo.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert patient.get(found[1], headers={"If-None-Match": logo.headers["ETag"]}).status_code == 304
    assert patient.get("/privacy").headers["Cache-Control"] == "no-store"  # the pages themselves stay uncached

    assert "clinic-logo" not in admin.get("/clinic/").get_data(as_text=True)  # staff pages keep their own header
    assert patient.get("/clinic-logo/0123456789abcdef").status_code == 404  # an old or made-up version
    assert _save(admin, remove_logo="y").status_code == 302
    assert patient.get(found[1]).status_code == 404
    assert "clinic-logo" not in patient.get("/privacy").get_data(as_text=True)
