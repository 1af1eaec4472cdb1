"""The languages a patient may answer in, named in English for the clinic's pages and letters ("es" -> "Spanish")."""

from __future__ import annotations

SOURCE_LANGUAGE = "en"
ENGLISH_NAMES = {"en": "English", "es": "Spanish", "pl": "Polish", "ar": "Arabic"}


def english_name(code: str) -> str:
    """A language's name in English; an unknown code is shown as it is."""
    return ENGLISH_NAMES.get(code, code)
