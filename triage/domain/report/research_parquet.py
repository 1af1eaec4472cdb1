"""The research export as one Parquet file: typed columns, with the data dictionary carried in the file's schema.

Each column's field metadata holds its dictionary entry (label, type, codes, unit, note), so the file describes
itself; the dictionary CSV beside it says the same for tools that do not read Parquet metadata.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from triage.domain.questionnaire.model import Question
from triage.domain.report.research import ResearchIntake, data_dictionary
from triage.domain.report.research_typed import TypedCell, column_kinds, typed_rows

EXPORT_KIND = "gut-triage de-identified research export"


def _arrow_type(pa: Any, kind: str, values: Sequence[TypedCell]) -> Any:
    if kind == "integer":
        # A whole-number question answered with a fraction on an older version makes the column decimal, not lossy.
        return pa.float64() if any(isinstance(v, float) for v in values) else pa.int64()
    return {"decimal": pa.float64(), "yes_no": pa.bool_(), "codes": pa.list_(pa.string())}.get(kind, pa.string())


def parquet_export(intakes: Iterable[ResearchIntake], questions: Sequence[Question], key: bytes) -> tuple[bytes, int]:
    """The export as Parquet file bytes and the number of intakes in it."""
    # Imported here, not at the top: pyarrow costs tens of MB in every process that loads it, and only an export
    # needs it, so web workers load it on the first export rather than at start.
    import pyarrow as pa
    import pyarrow.parquet as pq

    header, rows = typed_rows(intakes, questions, key)
    entries = data_dictionary(questions)
    fields, arrays = [], []
    for index, (name, kind, entry) in enumerate(zip(header, column_kinds(questions), entries, strict=True)):
        values = [row[index] for row in rows]
        arrow_type = _arrow_type(pa, kind, values)
        metadata = {"label": entry.label, "type": entry.type, "values": entry.values, "unit": entry.unit, "note": entry.note}
        fields.append(pa.field(name, arrow_type, nullable=True, metadata={k: v for k, v in metadata.items() if v}))
        arrays.append(pa.array(values, type=arrow_type))
    schema = pa.schema(fields, metadata={"export": EXPORT_KIND, "intakes": str(len(rows))})
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_arrays(arrays, schema=schema), buffer, compression="zstd")
    return buffer.getvalue(), len(rows)
