"""The shipped catalogs: every patient-facing message translated in every language, with the source's placeholders;
no visible text in a patient template outside a translation call; each catalog says who translated it."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import force_locale

from triage.domain.questionnaire.answers import parse_field
from triage.domain.questionnaire.babel_extract import messages_of
from triage.domain.questionnaire.questions import default_questionnaire
from triage.web.i18n import LANGUAGES, SOURCE_LANGUAGE, catalog_path, catalog_status, load_translations
from triage.web.patient.translate import translate_message

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [code for code in LANGUAGES if code != SOURCE_LANGUAGE]
_PLACEHOLDER = re.compile(r"%\((\w+)\)s|\{(\w+)\}")


def source_messages() -> set[str]:
    """Every patient-facing message, extracted now from the sources babel.cfg names (as `make messages` does)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found = extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords)
    return {message if isinstance(message, str) else message[0] for _file, _line, message, _comments, _context in found}


def catalog(code: str) -> dict[str, str]:
    """A shipped catalog's msgid -> msgstr, fuzzy entries left out (they are not used)."""
    with catalog_path(code).open("rb") as po:
        parsed = read_po(po, locale=code)
    return {m.id: m.string for m in parsed if m.id and not m.fuzzy and isinstance(m.id, str) and isinstance(m.string, str)}


def placeholders(text: str) -> list[str]:
    """The named placeholders of a message, sorted (%(name)s, or {label} in a questionnaire for_each label)."""
    return sorted(a or b for a, b in _PLACEHOLDER.findall(text))


def test_the_extraction_finds_the_questionnaire_the_templates_and_the_messages() -> None:
    found = source_messages()
    questionnaire = default_questionnaire()
    assert {q.label for q in questionnaire.questions if not q.copied_for} <= found
    assert {s.title for s in questionnaire.sections} <= found
    assert {"Continue", "Back", "Please get medical help today", "Please choose an answer.", "Day"} <= found
    assert "{label}: how often?" in found  # a for_each label, translated as its template
    assert len(found) > 400


@pytest.mark.parametrize("code", SHIPPED)
def test_every_patient_facing_message_is_translated_with_the_same_placeholders(code: str) -> None:
    translations = catalog(code)
    missing = sorted(m for m in source_messages() if not translations.get(m, "").strip())
    assert missing == [], f"{code}: {len(missing)} messages without a translation, e.g. {missing[:5]}"
    wrong = [(m, s) for m, s in translations.items() if placeholders(m) != placeholders(s)]
    assert wrong == [], f"{code}: placeholders differ from the source's: {wrong[:5]}"


@pytest.mark.parametrize("code", SHIPPED)
def test_each_catalog_records_its_translator_and_whether_it_was_reviewed(code: str) -> None:
    status = catalog_status(code)
    assert status.translator == "gut-triage project, machine-assisted first draft"
    assert status.review == "unreviewed" and not status.reviewed
    assert code in load_translations()


class _TextNodes(HTMLParser):
    """The visible text of a template once its Jinja parts are taken out: text nodes and text-bearing attributes."""

    VISIBLE_ATTRIBUTES = frozenset({"aria-label", "alt", "title", "placeholder", "value"})

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag in ("script", "style")
        texts = [v for k, v in attrs if k in self.VISIBLE_ATTRIBUTES and v and k != "value"]
        if tag == "input" and dict(attrs).get("type") in ("submit", "button"):  # a button element shows its content
            texts += [v for k, v in attrs if k == "value" and v]
        self.texts.extend(texts)

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if not self._in_script:
            self.texts.append(data)


def visible_strings(template: str) -> list[str]:
    """Words a patient would read that are written in the template itself rather than in a translation call."""
    without_jinja = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", template, flags=re.S)
    parser = _TextNodes()
    parser.feed(without_jinja)
    return [t.strip() for t in parser.texts if re.search(r"[^\W\d_]", t)]


@pytest.mark.parametrize("path", sorted((ROOT / "templates" / "patient").glob("*.html")), ids=lambda p: p.name)
def test_a_patient_template_has_no_visible_string_outside_a_translation_call(path: Path) -> None:
    assert visible_strings(path.read_text(encoding="utf-8")) == []


def test_the_template_check_finds_a_string_outside_a_translation_call() -> None:
    assert visible_strings('<p>{{ _("Fine") }}</p><p>Not fine {{ x }}</p><button aria-label="Also not">x</button>') == [
        "Not fine",
        "Also not",
        "x",
    ]


def test_the_questionnaire_extractor_reads_flow_and_block_values_with_their_lines() -> None:
    text = 'sections:\n  - {id: a, title: "About you"}\nsteps:\n  - id: s\n    intro: Plain, with a comma.\n'
    assert list(messages_of(text)) == [(2, "title", "About you"), (5, "intro", "Plain, with a comma.")]


@pytest.mark.parametrize("code", SHIPPED)
def test_every_validation_message_the_form_can_show_is_translated(app: Flask, code: str) -> None:
    """Each question answered wrongly in the usual ways: the message the patient sees is in the language."""
    today = dt.date(2026, 12, 2)
    bad = {
        "number": [["abc"], ["-99999"]],
        "integer": [["1.5"], ["99999"]],
        "date": [["", "5", "1981"], ["40", "5", "1981"], ["1", "5", "2025"], ["1", "5", "81"]],
        "single": [["nonsense"]],
        "multi": [["nonsense"]],
        "text": [["x" * 5000]],
        "longtext": [["x" * 50000]],
        "consent": [["nonsense"]],
    }
    seen: set[str] = set()
    untranslated: list[str] = []
    with app.test_request_context(), force_locale(code):
        for question in default_questionnaire().questions:
            for raw in bad.get(question.type, []):
                message = parse_field(question, raw, today).error
                if message and message not in seen:
                    seen.add(message)
                    if translate_message(message) == message:
                        untranslated.append(message)
    assert len(seen) >= 8 and untranslated == []
