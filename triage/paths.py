"""Where the bundled data folders live, in a source checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """The folder `forms`, `rules`, `templates`, `static` or `migrations`.

    A wheel installs them inside the package (`triage/forms`); an editable
    install and a source checkout keep them beside it at the top level.
    """
    inside = _PACKAGE / name
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / name
