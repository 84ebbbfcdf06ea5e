"""Which reader a file needs: by its content first (a .txt can hold HL7), then its name."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from pathlib import Path

from mdt_desktop.importers.codes import CodeTable
from mdt_desktop.importers.model import ParsedFile

Reader = Callable[..., ParsedFile]
SNIFF_BYTES = 4096


def reader_for(path: Path) -> tuple[str, Reader] | None:
    """The format name and reader of *path*, or None when it is none of ours."""
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError:
        return None
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n\x0b")  # BOM, blanks, an MLLP start byte
    suffix = path.suffix.lower()
    if text.startswith((b"{", b"[")) or suffix == ".json":
        from mdt_desktop.importers.fhir_reader import read_fhir

        return "FHIR R4", read_fhir
    if text.startswith((b"MSH", b"FHS", b"BHS")) or suffix in (".hl7", ".oru"):
        from mdt_desktop.importers.hl7_reader import read_hl7

        return "HL7 v2", read_hl7
    if b"hospital_number" in text.split(b"\n", 1)[0].lower() or suffix == ".csv":
        from mdt_desktop.importers.csv_reader import read_csv

        return "CSV", read_csv
    return None


def read_file(
    path: Path, codes: CodeTable, *, now: datetime | None = None, zone: tzinfo | None = None
) -> ParsedFile:
    """Read *path* with the reader its content calls for (a problem if none fits).

    Times are converted to the site's *zone* (None: the default site zone).
    """
    found = reader_for(path)
    if found is None:
        parsed = ParsedFile(path.name, "unknown")
        if not path.is_file():
            parsed.problem("", "", "no such file (or it is a folder)")
        else:
            parsed.problem(
                "",
                "",
                "not a file MDT Desktop can import: expected FHIR R4 JSON, HL7 v2 (starting "
                "with MSH) or CSV with the header hospital_number,collected_at,test,value,unit",
            )
        return parsed
    _name, reader = found
    return reader(path, codes, now=now, zone=zone)
