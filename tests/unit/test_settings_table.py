"""The README's Configuration table lists exactly the Settings fields, each with its default and its description."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic.fields import FieldInfo

from triage.config import Settings

README = Path(__file__).resolve().parents[2] / "README.md"
ROW = re.compile(r"^\| `(?P<name>[A-Z_]+)` \| (?P<default>.*?) \| (?P<meaning>.*) \|$")


def default_cell(field: FieldInfo) -> str:
    """How the table shows a field's default: `value`, `0`/`1` for a switch, or unset."""
    value = field.default
    if value is None or value == "":
        return "unset"
    if isinstance(value, bool):
        return f"`{int(value)}`"
    return f"`{value}`"


def configuration_rows() -> list[tuple[str, str, str]]:
    """The rows of the table in the README's Configuration section."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        found = ROW.match(line)
        if found:
            rows.append((found["name"], found["default"], found["meaning"]))
    return rows


def test_every_setting_is_in_the_readme_with_its_default_and_meaning() -> None:
    expected = [(name, default_cell(field), field.description or "") for name, field in Settings.model_fields.items()]
    assert configuration_rows() == expected


def test_the_configuration_section_has_one_table_and_no_extra_rows() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    table = [line for line in section.splitlines() if line.startswith("|")]
    assert table[:2] == ["| variable | default | meaning |", "| --- | --- | --- |"]
    assert len(table) == 2 + len(Settings.model_fields)


def test_every_setting_has_a_description() -> None:
    assert [name for name, field in Settings.model_fields.items() if not field.description] == []
