"""Forms every staff audience shares (CSRF through Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """A button that changes state (review, re-evaluate, download, new recovery codes, disable an account): CSRF only."""
