"""Clinicians' coded feedback for the rules editors: counts by reason per differential, over all versions or one."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from triage.db import feedback_counts, rulesets
from triage.db.evaluations import bundled_ruleset, version_ruleset
from triage.domain.governance.feedback_counts import COLUMNS, tally, versions_of
from triage.web.access import database, role_required
from triage.web.routes import RouteTable
from triage.web.rules.common import EDITOR

routes = RouteTable()


@routes.route("/feedback", endpoint="feedback")
@role_required(EDITOR)
def feedback() -> Any:
    """Agree and each override reason counted per differential (?version=<ruleset version text> for one version)."""
    with database().session() as session:
        counts = feedback_counts.feedback_counts(session)
        row = rulesets.latest_published(session)
        ruleset = version_ruleset(row) if row is not None else bundled_ruleset()
    versions = versions_of(counts)
    wanted = str(request.args.get("version", ""))[:64]
    problem = "" if not wanted or wanted in versions else "“Ruleset version”: no feedback was given under that version."
    version = wanted if not problem else ""
    tallied = tally(counts, version)
    names = {d.id: d.name for d in ruleset.differentials}
    # The differentials of the rules in use first, then any that feedback names but the rules no longer have.
    keys = [d.id for d in ruleset.differentials] + sorted(k for k in tallied if k not in names)
    rows: list[dict[str, Any]] = [
        {
            "id": key,
            "name": names.get(key, f"{key} (no longer in the rules)"),
            "cells": tallied[key].cells(),
            "total": tallied[key].total,
        }
        for key in keys
        if key in tallied
    ]
    quiet = [names[d.id] for d in ruleset.differentials if d.id not in tallied]
    return render_template(
        "rules/feedback.html",
        rows=rows,
        columns=[label for _key, label in COLUMNS],
        totals=[sum(r["cells"][i] for r in rows) for i in range(len(COLUMNS))],
        versions=versions,
        version=version,
        problem=problem,
        quiet=quiet,
    ), 400 if problem else 200
