"""The patient's language: the shipped gettext catalogs, read from translations/*.po at start, and each request's locale."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Flask, current_app, g, request, session
from flask_babel import Babel, Domain, get_locale
from sqlalchemy.exc import SQLAlchemyError

from triage.db.patient_languages import switched_off
from triage.paths import resource_dir

SOURCE_LANGUAGE = "en"
LANGUAGE_KEY = "patient_language"  # the patient's choice in the session, for pages with no intake bound
DOMAIN = "messages"


@dataclass(frozen=True)
class Language:
    """One shipped language: its code, its name in itself (what the switcher shows), and its writing direction."""

    code: str
    name: str
    direction: str = "ltr"


LANGUAGES: dict[str, Language] = {
    "en": Language("en", "English"),
    "es": Language("es", "Español"),
    "pl": Language("pl", "Polski"),
    "ar": Language("ar", "العربية", "rtl"),
}


def catalog_path(code: str, directory: Path | None = None) -> Path:
    """The .po file of one language (the source language has none)."""
    return (directory or resource_dir("translations")) / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_translations(directory: Path | None = None) -> dict[str, Translations]:
    """Every shipped catalog, compiled in memory from its .po file.

    Reading the .po files themselves (not compiled .mo files) means a fresh clone, a wheel and an edited catalog all
    work with no build step, and no stale .mo can disagree with the .po a reviewer signed off.
    """
    loaded: dict[str, Translations] = {}
    for code in LANGUAGES:
        path = catalog_path(code, directory)
        if code == SOURCE_LANGUAGE or not path.is_file():
            continue
        with path.open("rb") as po:
            catalog = read_po(po, locale=code, domain=DOMAIN)
        compiled = io.BytesIO()
        write_mo(compiled, catalog)  # fuzzy entries are left out, as msgfmt does
        compiled.seek(0)
        loaded[code] = Translations(compiled, domain=DOMAIN)
    return loaded


class CatalogDomain(Domain):
    """Flask-Babel's message domain served from the catalogs loaded at start (never from files at request time)."""

    def __init__(self, catalogs: dict[str, Translations]):
        super().__init__(domain=DOMAIN)
        self.catalogs = catalogs

    def get_translations(self) -> Translations | NullTranslations:
        """The catalog of this request's language (English, the source, has none)."""
        locale = get_locale()
        return self.catalogs.get(str(locale), NullTranslations()) if locale is not None else NullTranslations()


def shipped_codes() -> list[str]:
    """The languages a patient may choose: English and every language whose catalog loaded."""
    catalogs: dict[str, Translations] = current_app.extensions["triage_catalogs"]
    return [code for code in LANGUAGES if code == SOURCE_LANGUAGE or code in catalogs]


def switched_off_codes() -> frozenset[str]:
    """The languages an admin switched off for patients (Admin > Patient languages), read once per request.

    While the database cannot be read (an error page), none is off: the page still renders.
    """
    cached: frozenset[str] | None = g.get("triage_languages_off")
    if cached is None:
        try:
            with current_app.extensions["triage_db"].session() as db_session:
                cached = switched_off(db_session)
        except SQLAlchemyError:
            cached = frozenset()
        g.triage_languages_off = cached
    return cached


def offered_codes() -> list[str]:
    """The languages a patient may choose: the shipped ones the clinic has not switched off (English always)."""
    off = switched_off_codes()
    return [code for code in shipped_codes() if code == SOURCE_LANGUAGE or code not in off]


def usable(code: object) -> str | None:
    """The code itself when it is a language a patient may choose, else None (an intake in a language switched off
    since is then shown in English)."""
    return code if isinstance(code, str) and code in offered_codes() else None


def select_locale() -> str:
    """The request's language: patient pages follow the intake's stored language, else the session's choice, else
    English; staff pages stay in the clinic's language (English)."""
    if request.blueprint != "patient":
        return SOURCE_LANGUAGE
    return usable(g.get("patient_language")) or usable(session.get(LANGUAGE_KEY)) or SOURCE_LANGUAGE


def page_language() -> Language:
    """The language of the page being built (its lang and dir attributes)."""
    locale = get_locale()
    return LANGUAGES.get(str(locale) if locale is not None else SOURCE_LANGUAGE, LANGUAGES[SOURCE_LANGUAGE])


def language_choices() -> list[Language]:
    """The languages offered by the switcher (and for invitations), in a fixed order."""
    return [LANGUAGES[code] for code in offered_codes()]


def init_app(app: Flask) -> None:
    """Flask-Babel with the shipped catalogs; `page_language()` and `language_choices()` for the base template."""
    catalogs = load_translations()
    app.extensions["triage_catalogs"] = catalogs
    babel = Babel(app, locale_selector=select_locale, default_locale=SOURCE_LANGUAGE)
    babel.domain_instance = CatalogDomain(catalogs)
    app.add_template_global(page_language, "page_language")
    app.add_template_global(language_choices, "language_choices")


@dataclass(frozen=True)
class CatalogStatus:
    """Who translated a shipped catalog and whether a qualified medical translator has reviewed it (its header)."""

    code: str
    translator: str
    review: str  # "unreviewed", or "reviewed by NAME, DATE"

    @property
    def reviewed(self) -> bool:
        """Whether the catalog's header says it was reviewed."""
        return self.review.lower().startswith("reviewed")


def catalog_status(code: str, directory: Path | None = None) -> CatalogStatus:
    """The "# Translator:" and "# Medical review:" lines of a catalog's header comment ("" when missing).

    Comment lines rather than X- header fields: `pybabel update` (make messages) keeps the header comment but rebuilds
    the header fields, dropping any it does not know.
    """
    found = {"translator": "", "medical review": ""}
    with catalog_path(code, directory).open(encoding="utf-8") as po:
        for line in po:
            if not line.startswith("#"):
                break  # the header comment is over
            name, colon, value = line[1:].strip().partition(":")
            if colon and name.strip().lower() in found:
                found[name.strip().lower()] = value.strip()
    return CatalogStatus(code, found["translator"], found["medical review"])
