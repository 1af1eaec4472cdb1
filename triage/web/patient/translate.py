"""The questionnaire as the patient reads it: labels, hints, units and titles through the request's catalog.

Only what is shown is translated: ids, choice values and the stored answers stay the same in every language, so
rules, the clinician page, the letter and exports read them unchanged. Validation runs on the English definitions and
keeps English messages; they are translated when a page shows them (translate_message).
"""

from __future__ import annotations

import re
from dataclasses import replace

import flask_babel
from flask_babel import get_locale

from triage.domain.questionnaire.answers import display_answer
from triage.domain.questionnaire.questions import Answer, Choice, Column, Question, Questionnaire, Step
from triage.web.i18n import SOURCE_LANGUAGE

# Translated copies are kept for good: the field specs are cached by id(question), so a copy must never be freed
# and its id reused by another language's copy. A few hundred questions per language and version: bounded.
_QUESTIONS: dict[tuple[str, int], tuple[Question, Question]] = {}
_STEPS: dict[tuple[str, int], tuple[Step, Step]] = {}
COPIED_LABEL = "{label}"


def gettext(message: str) -> str:
    """Flask-Babel's gettext, typed (the library ships no type information)."""
    return str(flask_babel.gettext(message))


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name for "extract this, translate it later"
    """Mark a message for extraction (pybabel -k N_) where it is defined; it is translated where it is shown."""
    return message


# The validation messages of triage/domain/questionnaire and triage/web/patient/forms.py that have no placeholder,
# marked here so that they are extracted into the catalogs (the domain stays free of any translation machinery).
PLAIN_MESSAGES = (
    N_("Please choose an answer."),
    N_("Please choose at least one answer."),
    N_("Please tick the box to confirm."),
    N_("Please answer this question."),
    N_("Please give one answer only."),
    N_("Please check this answer and press Continue."),
    N_("Please choose only from the options shown."),
    N_("Please choose one of the options shown."),
    N_("Please enter a real date, for example 21/03/1974 or 1974-03-21."),
    N_("Please enter a date between 1900 and today."),
    N_("Year must include 4 numbers"),
    N_("Please fill in the table as shown."),
    N_("This answer contains a character that cannot be saved (a control character). Please retype it."),
    N_("Please enter a whole number."),
    N_("Please enter a number."),
    N_("Call 999 or go to A&E now."),  # the default emergency instruction (a clinic's own text is shown as written)
)
ANSWER_WORDS = (N_("Not answered"), N_("Yes"), N_("No"), N_("%(value)s out of 10"))


def language() -> str:
    """The code of the request's language."""
    locale = get_locale()
    return str(locale) if locale is not None else SOURCE_LANGUAGE


def text(source: str) -> str:
    """One questionnaire text in the request's language ("" stays "")."""
    return gettext(source) if source else source


def _copied_label(question: Question, questionnaire: Questionnaire | None) -> str:
    """A for_each copy's label: its template ("{label}: when?") and the copied choice's label, each translated."""
    if questionnaire is not None:
        for other in questionnaire.questions:
            for choice in other.choices:
                if choice.value == question.copied_for and choice.label in question.label:
                    template = question.label.replace(choice.label, COPIED_LABEL, 1)
                    if template == COPIED_LABEL:
                        return text(choice.label)
                    return text(template).replace(COPIED_LABEL, text(choice.label))
    return text(question.label)


def question_in_language(question: Question, questionnaire: Questionnaire | None = None) -> Question:
    """The question with every text it shows in the request's language (the same object in English)."""
    code = language()
    if code == SOURCE_LANGUAGE:
        return question
    key = (code, id(question))
    cached = _QUESTIONS.get(key)
    if cached is not None and cached[0] is question:
        return cached[1]
    label = _copied_label(question, questionnaire) if question.copied_for else text(question.label)
    translated = replace(
        question,
        label=label,
        help=text(question.help),
        unit=text(question.unit),
        short_label=text(question.short_label),
        choices=tuple(Choice(c.value, text(c.label), c.exclusive, c.picture) for c in question.choices),
        columns=tuple(Column(c.id, text(c.label)) for c in question.columns),
    )
    _QUESTIONS[key] = (question, translated)
    return translated


def step_in_language(step: Step, questionnaire: Questionnaire | None = None) -> Step:
    """The step with its title, intro, grid choices and questions in the request's language."""
    code = language()
    if code == SOURCE_LANGUAGE:
        return step
    key = (code, id(step))
    cached = _STEPS.get(key)
    if cached is not None and cached[0] is step:
        return cached[1]
    translated = replace(
        step,
        title=text(step.title),
        intro=text(step.intro),
        questions=tuple(question_in_language(q, questionnaire) for q in step.questions),
    )
    _STEPS[key] = (step, translated)
    return translated


def questions_in_language(questions: list[Question], questionnaire: Questionnaire | None = None) -> list[Question]:
    """Several questions in the request's language."""
    return [question_in_language(q, questionnaire) for q in questions]


# The validation messages made of parts (triage/domain/questionnaire): each English form as a pattern, its msgid with
# named placeholders, and which captured parts are themselves questionnaire texts to translate. Messages with no
# placeholder are looked up as they are.
_NUMBER = r"-?\d+(?:\.\d+)?"
_PART_PATTERNS = {"low": _NUMBER, "high": _NUMBER, "limit": _NUMBER, "count": _NUMBER, "age": _NUMBER, "rows": _NUMBER}
_UNIT = r" \(.+\)"
MESSAGE_FORMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (N_("Please enter a whole number from %(low)s to %(high)s%(unit)s."), ()),
    (N_("Please enter a number from %(low)s to %(high)s%(unit)s."), ()),
    (N_("Please enter a number from %(low)s to %(high)s%(unit)s, or from %(imperial_low)s to %(imperial_high)s."), ()),
    (N_("Please enter a whole number%(unit)s."), ()),
    (N_("Please enter a number%(unit)s."), ()),
    (N_("Please shorten this answer to at most %(limit)s characters (it has %(count)s)."), ()),
    (N_("'%(choice)s' cannot be ticked together with other answers."), ("choice",)),
    (N_("%(name)s must be in the past"), ("name",)),
    (N_("%(name)s must be a real date"), ("name",)),
    (N_("%(name)s must include a day"), ("name",)),
    (N_("%(name)s must include a month"), ("name",)),
    (N_("%(name)s must include a year"), ("name",)),
    (N_("%(name)s must include a day and a month"), ("name",)),
    (N_("%(name)s must include a day and a year"), ("name",)),
    (N_("%(name)s must include a month and a year"), ("name",)),
    (N_("Please check the year: this would make you %(age)s. Enter a %(name)s for an age from %(low)s to %(high)s."), ("name",)),
    (N_("Please give at most %(rows)s rows."), ()),
)


def _pattern(msgid: str) -> re.Pattern[str]:
    parts = re.split(r"%\((\w+)\)s", msgid)
    regex = "".join(
        re.escape(part) if n % 2 == 0 else f"(?P<{part}>{_PART_PATTERNS.get(part, _UNIT if part == 'unit' else '.+?')})"
        for n, part in enumerate(parts)
    )
    return re.compile(regex + r"\Z")


_COMPILED = tuple((_pattern(msgid), msgid, texts) for msgid, texts in MESSAGE_FORMS)


def _name(source: str) -> str:
    """A question's name inside a message, translated whether the message wrote it with a capital or not."""
    translated = gettext(source)
    if translated != source or not source:
        return translated
    capital = source[0].upper() + source[1:]
    found = gettext(capital)
    return found[0].lower() + found[1:] if found != capital and found else source


def _part(key: str, value: str, texts: tuple[str, ...]) -> str:
    if key == "unit":
        return f" ({gettext(value[2:-1])})"  # " (kg)": the unit inside is a questionnaire text
    return _name(value) if key in texts else value


def translate_message(message: str) -> str:
    """A validation message in the request's language (English when no catalog entry matches it)."""
    if not message or language() == SOURCE_LANGUAGE:
        return message
    direct = gettext(message)
    if direct != message:
        return direct
    for pattern, msgid, texts in _COMPILED:
        match = pattern.match(message)
        if match is not None:
            values = {k: _part(k, v, texts) for k, v in match.groupdict().items()}
            return gettext(msgid) % values
    return message


def answer_in_language(question: Question, value: Answer | None) -> str:
    """An answer as the patient reads it back, for a question already in the patient's language.

    English keeps the domain's wording (with its singular units); other languages get their own words for "not
    answered", yes and no, and numbers written in the language's way (a decimal comma in Spanish and Polish).
    """
    if language() == SOURCE_LANGUAGE:
        return display_answer(question, value)
    if value is None or value == []:
        return gettext("Not answered")
    if question.type == "consent":
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = str(flask_babel.format_decimal(value))
        if question.type == "scale":
            return gettext("%(value)s out of 10") % {"value": number}
        return f"{number} {question.unit}".strip()
    return display_answer(question, value)
