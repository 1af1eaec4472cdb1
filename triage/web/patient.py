"""Patient blueprint (being built)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("patient", __name__)
