"""Lab results in CSV: ``hospital_number,collected_at,test,value,unit``.

UTF-8 with or without a byte-order mark, CRLF or LF line endings, quoted fields; ``test`` is a
LOINC code or a name from lab_codes.toml. Optional extra columns: ``assay`` and ``flag``.
``collected_at`` with an offset is converted to the site's zone; without one it is site time
(docs/clinical.md, "Time").
Every row with a problem is reported with its line number; the file imports only when none has.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, tzinfo
from pathlib import Path

from mdt_desktop.importers.codes import CodeTable
from mdt_desktop.importers.limits import Refused, read_text
from mdt_desktop.importers.model import LabResult, ParsedFile, Where
from mdt_desktop.importers.results import RawResult, convert
from mdt_desktop.importers.times import parse_datetime, site_zone

REQUIRED = ("hospital_number", "collected_at", "test", "value", "unit")
OPTIONAL = ("assay", "flag")
HOSPITAL_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/\-]{0,31}$")
MAX_PROBLEMS = 1000  # a wholly wrong file is summarised, not listed to the last row
FORMAT = "CSV"


def read_csv(
    path: Path, codes: CodeTable, *, now: datetime | None = None, zone: tzinfo | None = None
) -> ParsedFile:
    """Read a CSV file of lab results; times in the site's *zone*."""
    parsed = ParsedFile(path.name, FORMAT)
    try:
        text = read_text(path)
    except Refused as error:
        parsed.problem("", "", str(error))
        return parsed
    return parse_csv(text, path.name, codes, now=now, zone=zone)


def parse_csv(
    text: str,
    name: str,
    codes: CodeTable,
    *,
    now: datetime | None = None,
    zone: tzinfo | None = None,
) -> ParsedFile:
    """Parse CSV text (already decoded) as the file *name*."""
    parsed = ParsedFile(name, FORMAT)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        parsed.problem("line 1", "", f"not CSV: {error}")
        return parsed
    columns = _columns(header, parsed)
    if columns is None:
        return parsed
    latest = now or datetime.now()
    where = site_zone(zone)
    try:
        for row in reader:
            if len(parsed.problems) >= MAX_PROBLEMS:
                parsed.problem("", "", f"more than {MAX_PROBLEMS} problems; stopped reading")
                break
            if not any(cell.strip() for cell in row):
                continue
            _row(row, reader.line_num, columns, parsed, codes, (latest, where))
    except csv.Error as error:
        parsed.problem(f"line {reader.line_num}", "", f"not CSV: {error}")
    return parsed


def _columns(header: list[str] | None, parsed: ParsedFile) -> dict[str, int] | None:
    if header is None:
        parsed.problem("line 1", "", "the file is empty; expected a header " + ",".join(REQUIRED))
        return None
    names = [cell.strip().lower() for cell in header]
    missing = [c for c in REQUIRED if c not in names]
    unknown = [c for c in names if c not in REQUIRED + OPTIONAL]
    if missing or unknown:
        parts = []
        if missing:
            parts.append("missing column(s) " + ", ".join(missing))
        if unknown:
            parts.append("unknown column(s) " + ", ".join(repr(c) for c in unknown))
        parsed.problem(
            "line 1",
            "header",
            "; ".join(parts) + f" (expected {','.join(REQUIRED)}, optionally assay, flag)",
        )
        return None
    return {name: names.index(name) for name in names}


def _row(
    row: list[str],
    line: int,
    columns: dict[str, int],
    parsed: ParsedFile,
    codes: CodeTable,
    clock: tuple[datetime, tzinfo],
) -> None:
    place = f"line {line}"
    if len(row) != len(columns):
        parsed.problem(place, "", f"{len(row)} fields; the header has {len(columns)}")
        return
    cell = {name: row[index].strip() for name, index in columns.items()}
    number = cell["hospital_number"]
    if not HOSPITAL_NUMBER.match(number):
        parsed.problem(place, "hospital_number", f"{number!r} is not a hospital number")
        return
    try:
        collected = parse_datetime(cell["collected_at"], now=clock[0], zone=clock[1])
    except ValueError as error:
        parsed.problem(place, "collected_at", str(error))
        return
    test = cell["test"]
    raw = RawResult(
        hospital_number=number,
        system=None,
        code=test,
        name=test,
        value=cell["value"],
        unit=cell["unit"],
        collected_at=collected,
        where=Where(parsed.name, place),
        assay=cell.get("assay") or None,
        abnormal_flag=cell.get("flag") or None,
    )
    result = convert(raw, codes)
    if isinstance(result, LabResult):
        parsed.results.append(result)
    else:
        parsed.problems.append(result)
