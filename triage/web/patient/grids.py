"""A step's grid on its page: its compact questions drawn together as one question, under the step's intro."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from triage.domain.questionnaire.questions import Step
from triage.web.patient.fields import FieldView


@dataclass(frozen=True)
class GridView:
    """One grid: its legend (the step's intro), its rows, and the column headings shared by single-choice rows."""

    id: str
    legend: str
    rows: tuple[FieldView, ...]
    columns: tuple[str, ...]  # empty for rows of numbers (each row shows its own box and unit)
    optional: bool = False  # every row is optional: the legend says so once, and no row does

    @property
    def matrix(self) -> bool:
        """Whether the rows are radio buttons under one line of column headings."""
        return bool(self.columns)


Item = FieldView | GridView


def page_items(step: Step, views: Sequence[FieldView]) -> list[Item]:
    """The page's questions in order, with the grid's rows gathered into one grid where its first row would be."""
    in_grid = {q.id for q in step.grid}
    rows = tuple(v for v in views if v.spec.q.id in in_grid)
    if not rows:
        return list(views)
    optional = all(v.spec.optional for v in rows)
    if optional:  # said once on the legend rather than on every row
        rows = tuple(replace(v, spec=replace(v.spec, optional=False)) for v in rows)
    first = rows[0].spec.q.id
    grid = GridView(f"grid-{step.id}", step.intro, rows, tuple(c.label for c in step.grid_choices), optional)
    items: list[Item] = []
    for view in views:
        if view.spec.q.id not in in_grid:
            items.append(view)
        elif view.spec.q.id == first:
            items.append(grid)
    return items


def shows_intro(step: Step) -> bool:
    """Whether the intro goes above the questions: not when it is the legend of the step's grid."""
    return bool(step.intro) and not step.grid
