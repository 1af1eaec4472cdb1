"""What the field macro needs for each question: a static part built once from the definition, and this page's state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from triage.domain.questionnaire.answers import CONSENT_TRUE
from triage.domain.questionnaire.questions import Answer, Question
from triage.web.patient.followups import Condition
from triage.web.patient.translate import N_

AUTOCOMPLETE: dict[str, str] = {"full_name": "name", "date_of_birth": "bday"}
INPUT_MODES = {"integer": "numeric", "number": "decimal"}
# Dates are three text boxes (day, month, year): each shows back exactly what was typed, even when it is not
# a date yet, and nobody scrolls through a date picker to a birth year.
# The box labels are English here and translated by the field macro (N_ marks them for the catalogs).
DATE_PARTS = (("day", N_("Day"), "w2"), ("month", N_("Month"), "w4"), ("year", N_("Year"), "w4"))
IMPERIAL = {
    "feet_inches": (N_("Or in feet and inches"), N_("Feet"), N_("Inches")),
    "stones_pounds": (N_("Or in stones and pounds"), N_("Stones"), N_("Pounds")),
}
BLANK_TABLE_ROWS = 3
_TRAILING = "?:. \u00a0"


@dataclass(frozen=True)
class Option:
    """One answer of a choice or scale question, as the macro draws it."""

    value: str
    label: str
    exclusive: bool = False
    picture: str = ""
    hidden: bool = False


@dataclass(frozen=True)
class Box:
    """One text box of a many-box widget (a date part, an imperial unit, a table cell)."""

    name: str
    id: str
    label: str
    value: str
    width: str = ""
    autocomplete: str = ""


@dataclass(frozen=True)
class FieldSpec:
    """The parts of a question's markup that never change: widget, options, ids and input attributes."""

    q: Question
    fid: str
    widget: str  # "choices", "consent", "textarea", "input", "date", "imperial" or "table"
    kind: str  # "radio" or "checkbox" for choices
    radiogroup: bool
    opts_class: str
    options: tuple[Option, ...]
    first: str
    input_class: str
    inputmode: str
    unit_id: str
    hint_id: str
    autocomplete: str
    optional: bool = False
    compact: bool = False
    imperial: tuple[str, str, str] = ("", "", "")
    columns: tuple[tuple[str, str], ...] = ()
    max_rows: int = 0


@dataclass(frozen=True)
class FieldView:
    """One question on one page: its spec plus what it shows, its error and whether it starts hidden."""

    spec: FieldSpec
    values: Sequence[str]
    text: str
    checked: bool
    error: str | None
    desc: str
    hidden: bool
    cond: Condition | None
    options: tuple[Option, ...] = ()
    boxes: tuple[Box, ...] = ()
    rows: tuple[tuple[Box, ...], ...] = ()
    choices_from: str = ""

    @property
    def regular(self) -> tuple[Option, ...]:
        """The options drawn first (for a multi: those that are not exclusive)."""
        return tuple(o for o in self.options if not (o.exclusive and self.spec.kind == "checkbox"))

    @property
    def exclusive(self) -> tuple[Option, ...]:
        """A multi's exclusive options ("None of these"), drawn after an "or"."""
        return tuple(o for o in self.options if o.exclusive and self.spec.kind == "checkbox")

    @property
    def first_id_value(self) -> str:
        """The value of the option that carries the question's id (the first one shown)."""
        return next((o.value for o in self.options if not o.hidden), self.spec.first)


_SPECS: dict[int, FieldSpec] = {}


def options_of(question: Question) -> tuple[Option, ...]:
    """Every option of a choice or scale question."""
    if question.type == "scale":
        low, high = int(question.min or 0), int(question.max if question.max is not None else 10)
        return tuple(Option(str(n), str(n)) for n in range(low, high + 1))
    return tuple(Option(c.value, c.label, c.exclusive, c.picture) for c in question.choices)


def _widget(question: Question) -> str:
    if question.type in ("single", "multi", "scale"):
        return "choices"
    if question.type == "number" and question.imperial in IMPERIAL:
        return "imperial"
    return {"consent": "consent", "longtext": "textarea", "date": "date", "table": "table"}.get(question.type, "input")


def spec_of(question: Question) -> FieldSpec:
    """The static markup parts of a question, built once per question."""
    spec = _SPECS.get(id(question))
    if spec is None or spec.q is not question:
        widget = _widget(question)
        options = options_of(question) if widget == "choices" else ()
        spec = FieldSpec(
            q=question,
            fid=f"f-{question.id}",
            widget=widget,
            kind="checkbox" if question.type == "multi" else "radio",
            radiogroup=question.type in ("single", "scale"),
            opts_class=" ".join(
                ["opts"] + (["scale"] if question.type == "scale" else []) + (["pics"] if any(o.picture for o in options) else [])
            ),
            options=options,
            first=options[0].value if options else "",
            input_class={"integer": "num", "number": "num"}.get(question.type, ""),
            inputmode=INPUT_MODES.get(question.type, "numeric" if widget == "date" else ""),
            unit_id=f"{question.id}-u" if question.unit and question.type in INPUT_MODES else "",
            hint_id=f"{question.id}-h" if question.help else "",
            autocomplete=AUTOCOMPLETE.get(question.id, ""),
            optional=not question.required and question.type != "consent",
            compact=question.compact and widget == "input",
            imperial=IMPERIAL.get(question.imperial, ("", "", "")) if widget == "imperial" else ("", "", ""),
            columns=tuple((c.id, c.label) for c in question.columns) if widget == "table" else (),
            max_rows=question.max_rows if widget == "table" else 0,
        )
        _SPECS[id(question)] = spec
    return spec


def fit(values: Sequence[str], count: int) -> list[str]:
    """Exactly `count` strings for `count` boxes; extra strings go into the last box, so nothing is lost."""
    given = list(values)
    if len(given) > count:
        given = given[: count - 1] + [" ".join(given[count - 1 :])]
    return given + [""] * (count - len(given))


def date_boxes(spec: FieldSpec, values: Sequence[str]) -> tuple[Box, ...]:
    """Day, month and year boxes (the first carries the question's id, for the error summary's link)."""
    qid = spec.q.id
    bday = spec.autocomplete == "bday"
    if len(values) == 1 and values[0].count("-") == 2 and values[0][:4].isdigit():
        year, month, day = values[0].split("-")  # an ISO date (kept from the one-box form) shown in its boxes
        values = [day, month, year]
    return tuple(
        Box(f"{qid}-{part}", spec.fid if n == 0 else f"{spec.fid}-{part}", label, value, width, f"bday-{part}" if bday else "")
        for n, ((part, label, width), value) in enumerate(zip(DATE_PARTS, fit(values, 3), strict=True))
    )


def imperial_boxes(spec: FieldSpec, values: Sequence[str]) -> tuple[Box, ...]:
    """The metric box, then the two imperial boxes (feet and inches, or stones and pounds)."""
    qid = spec.q.id
    metric, major, minor = fit(values, 3)
    return (
        Box(qid, spec.fid, spec.q.label, metric),
        Box(f"{qid}-major", f"{spec.fid}-major", spec.imperial[1], major, "w2"),
        Box(f"{qid}-minor", f"{spec.fid}-minor", spec.imperial[2], minor, "w2"),
    )


def table_rows(spec: FieldSpec, values: Sequence[str]) -> tuple[tuple[Box, ...], ...]:
    """The rows typed or stored, then blank rows (three, up to the question's max_rows)."""
    width = len(spec.columns)
    given = list(values)
    typed = -(-len(given) // width) if width else 0
    while typed and not any(v.strip() for v in given[(typed - 1) * width : typed * width]):
        typed -= 1
    count = max(typed, min(typed + BLANK_TABLE_ROWS, spec.max_rows))
    given += [""] * (count * width - len(given))
    qid = spec.q.id
    return tuple(
        tuple(
            Box(
                f"{qid}-{row}-{cid}",
                spec.fid if row == col == 0 else f"{spec.fid}-{row}-{cid}",
                label,
                given[row * width + col],
            )
            for col, (cid, label) in enumerate(spec.columns)
        )
        for row in range(count)
    )


def _options(
    spec: FieldSpec,
    page: Mapping[str, Sequence[str]],
    on_page: set[str],
    answers: Mapping[str, Answer] | None,
) -> tuple[tuple[Option, ...], str]:
    """The options shown, and the source question's id when followups.js keeps them in step with it."""
    source = spec.q.choices_from
    if not source or (answers is None and source not in on_page):
        return spec.options, ""
    if source in on_page:
        ticked = set(page.get(source, ()))  # what the page shows ticked; followups.js keeps it in step
        return tuple(Option(o.value, o.label, o.exclusive, o.picture, o.value not in ticked) for o in spec.options), source
    given = answers.get(source) if answers is not None else None
    ticked = {v for v in given if isinstance(v, str)} if isinstance(given, list) else set()
    return tuple(o for o in spec.options if o.value in ticked), ""


def field_views(
    questions: Sequence[Question],
    shown: Mapping[str, Sequence[str]],
    errors: Mapping[str, str],
    hidden: set[str] | frozenset[str] = frozenset(),
    conditions: Mapping[str, Condition] | None = None,
    *,
    answers: Mapping[str, Answer] | None = None,
) -> list[FieldView]:
    """The fields of one page, in order; `answers` (the effective answers) let choices_from show only ticked options."""
    conditions = conditions or {}
    on_page = {q.id for q in questions}
    views = []
    for question in questions:
        spec = spec_of(question)
        values = shown.get(question.id, ())
        error = errors.get(question.id)
        desc = " ".join(part for part in (spec.hint_id, spec.unit_id, f"{question.id}-e" if error else "") if part)
        checked = bool(values) and values[0].strip().lower() in CONSENT_TRUE
        options, source = _options(spec, shown, on_page, answers) if spec.widget == "choices" else ((), "")
        views.append(
            FieldView(
                spec,
                values,
                " ".join(values),
                checked,
                error,
                desc,
                question.id in hidden,
                conditions.get(question.id),
                options,
                date_boxes(spec, values)
                if spec.widget == "date"
                else (imperial_boxes(spec, values) if spec.widget == "imperial" else ()),
                table_rows(spec, values) if spec.widget == "table" else (),
                source,
            )
        )
    return views


def link_label(question: Question) -> str:
    """A question's name in the error summary: its short label (or label) without trailing punctuation."""
    return question.name.rstrip(_TRAILING)


def summary_labels(by_id: Mapping[str, Question], errors: Mapping[str, str]) -> dict[str, str]:
    """The error summary's link names for these errors (the `labels` of the error_summary macro)."""
    return {qid: link_label(by_id[qid]) for qid in errors if qid in by_id}
