"""A CSV of appointments read into invitation details, every row checked first: what would be created, what is refused."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from triage.domain.invitations.fields import LABELS, InvitationDetails, Rules, check_invitation

COLUMNS = (
    "ref",
    "name",
    "date_of_birth",
    "email",
    "mobile",
    "appointment",
    "language",
    "nhs_number",
    "mrn",
    "referrer_name",
    "referrer_practice",
)
COLUMN_NOTES = {
    "ref": "Required. The clinic's patient reference, unique in the file and among open invitations.",
    "name": "The patient's name.",
    "date_of_birth": "YYYY-MM-DD or DD/MM/YYYY; the patient confirms it before the questionnaire opens.",
    "email": "Email address for the link. Each row needs an email or a mobile or both: links from an upload go by message.",
    "mobile": "Mobile number for a text message; without a country code it is read as a UK number.",
    "appointment": "YYYY-MM-DD HH:MM (or DD/MM/YYYY HH:MM) in the clinic's time zone; the time may be left out.",
    "language": "The questionnaire's language code; blank for English.",
    "nhs_number": "10 digits.",
    "mrn": "Hospital number.",
    "referrer_name": "Referring clinician.",
    "referrer_practice": "Practice or service.",
}
NO_ADDRESS = "email, mobile: Give an email address or a mobile number (or both): links from an upload go by message only."
MAX_ROWS = 2000
MAX_BYTES = 900 * 1024  # under the app's 1 MiB request limit, with room for the form around the file
EXAMPLE_ROW = ("HOSP-1001", "Alex Example", "1980-03-27", "alex@example.org", "07400 123456", "", "en", "", "", "", "")


@dataclass(frozen=True)
class RowRefusal:
    """One refused row: its line in the file, its reference as written, and each reason (each naming its column)."""

    line: int
    ref: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ParsedRow:
    """One row that passed every check: its line and the invitation's details."""

    line: int
    details: InvitationDetails


@dataclass
class CsvReport:
    """The outcome of reading a file: a problem with the file as a whole, or the rows and the refused rows."""

    rows: list[ParsedRow] = field(default_factory=list)
    refusals: list[RowRefusal] = field(default_factory=list)
    file_problem: str = ""

    @property
    def accepted(self) -> bool:
        """Whether every row may be created (nothing refused, and at least one row)."""
        return not self.file_problem and not self.refusals and bool(self.rows)


def template_csv() -> str:
    """A CSV with the header row and one example row, to download and fill in."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(EXAMPLE_ROW)
    return out.getvalue()


def _column_reason(name: str, message: str) -> str:
    column = "appointment" if name == "appointment_time" else name
    label = LABELS.get(name, name)
    text = message[len(label) + 2 :] if message.startswith(f"{label}: ") else message
    return f"{column}: {text[:1].upper()}{text[1:]}"


def _header(cells: list[str]) -> tuple[list[str], str]:
    names = [c.strip().lower().replace(" ", "_") for c in cells]
    unknown = [n for n in names if n not in COLUMNS]
    expected = ", ".join(COLUMNS)
    if "ref" not in names or unknown:
        shown = ", ".join(f"“{n[:40]}”" for n in unknown[:5])
        return names, (
            f"The first row must be the header, naming the columns: {expected}."
            + (f" These are not column names: {shown}." if unknown else " It has no “ref” column.")
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        return names, f"The header names a column twice: {', '.join(repeated)}."
    return names, ""


def _control_characters(header: list[str], cells: list[str]) -> tuple[str, ...]:
    return tuple(
        f"{name}: Remove the control characters (tabs, line breaks and the like) from this value."
        for name, cell in zip(header, cells, strict=True)
        if any(ord(c) < 32 or ord(c) == 127 for c in cell)
    )


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        yield line, cells


def read_csv(data: bytes, rules: Rules) -> CsvReport:
    """Every row of the file checked (the file's own problem, if any, stops the reading); never raises on bad input."""
    report = CsvReport()
    if len(data) > MAX_BYTES:
        report.file_problem = f"The file is larger than {MAX_BYTES // 1024} KB; split it into smaller files."
        return report
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.file_problem = "The file is not UTF-8 text: in the spreadsheet, save it as “CSV UTF-8”."
        return report
    try:
        _read(text, rules, report)
    except csv.Error as error:
        report.rows.clear()
        report.file_problem = f"The file could not be read as CSV: {error}. Check the quotes around values."
    return report


def _read(text: str, rules: Rules, report: CsvReport) -> None:
    header: list[str] | None = None
    seen: dict[str, int] = {}
    count = 0
    for line, cells in _rows(text):
        if not any(c.strip() for c in cells):
            continue  # blank lines (a spreadsheet's trailing empty rows) are skipped
        if header is None:
            header, problem = _header(cells)
            if problem:
                report.file_problem = problem
                return
            continue
        count += 1
        if count > MAX_ROWS:
            report.file_problem = f"The file has more than {MAX_ROWS} rows; split it into smaller files."
            report.rows.clear()
            report.refusals.clear()
            return
        _check_row(line, header, cells, rules, report, seen)
    if header is None:
        report.file_problem = f"The file is empty: it needs the header row ({', '.join(COLUMNS)}) and one row per patient."
    elif count == 0:
        report.file_problem = "The file has the header row but no appointments under it."


def _check_row(line: int, header: list[str], cells: list[str], rules: Rules, report: CsvReport, seen: dict[str, int]) -> None:
    ref_cell = cells[header.index("ref")] if len(cells) > header.index("ref") else ""
    shown_ref = "".join(c for c in ref_cell.strip() if c.isprintable())[:64]
    if len(cells) != len(header):
        reason = f"The row has {len(cells)} values but the header has {len(header)} columns."
        report.refusals.append(RowRefusal(line, shown_ref, (reason,)))
        return
    if controls := _control_characters(header, cells):
        report.refusals.append(RowRefusal(line, shown_ref, controls))
        return
    raw = dict(zip(header, cells, strict=True))
    details, problems = check_invitation(raw, rules)
    reasons = [_column_reason(name, message) for name, message in problems.items()]
    key = ref_cell.strip().casefold()
    if key and key in seen:
        reasons.append(f"ref: “{shown_ref}” is already on line {seen[key]} of this file.")
    elif key:
        seen[key] = line
    if details is not None and not details.contact.channels:
        reasons.append(NO_ADDRESS)
    if reasons or details is None:
        report.refusals.append(RowRefusal(line, shown_ref, tuple(reasons)))
        return
    report.rows.append(ParsedRow(line, details))
