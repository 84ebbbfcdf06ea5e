"""A large HL7 v2 ORU^R01 file of DEMO results, and how long the reader takes over it.

    python benchmarks/hl7_gen.py [--results 100000] [--patients 200] [--keep FILE]

``make_hl7`` writes messages of one order each (full blood count, drug levels or calprotectin)
for the given hospital numbers in turn, an hour apart going back from 1 November 2024, with
segments ending in CR. Every name and number is DEMO. Not a test: the time is printed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

START = datetime(2024, 11, 1, 9, 0)
ORDERS = (
    (
        "58410-2^CBC panel^LN",
        (
            ("NM", "718-7^Hemoglobin^LN", "{hb}", "g/L"),
            ("NM", "6690-2^Leukocytes^LN", "{wbc}", "10*3/uL"),
            ("NM", "1988-5^C reactive protein^LN", "{crp}", "mg/dL"),
        ),
    ),
    (
        "TDM^Infliximab drug monitoring^L",
        (
            ("NM", "39803-2^Infliximab level^LN", "{ifx}", "ng/mL"),
            ("ST", "ATI^Antibodies to infliximab^L", "<2.5", "ug/mL{eq}"),
        ),
    ),
    ("FCP^Faecal calprotectin^L", (("NM", "38445-3^Calprotectin^LN", "{fcp}", "ug/g"),)),
)


def make_hl7(path: Path, results: int, patients: list[str]) -> int:
    """Write *results* OBX results for *patients* (hospital numbers) to *path*; messages made."""
    written = messages = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        while written < results:
            number = patients[messages % len(patients)]
            order, tests = ORDERS[messages % len(ORDERS)]
            tests = tests[: results - written]
            out.write(_message(messages, number, order, tests))
            written += len(tests)
            messages += 1
    return messages


def _message(index: int, number: str, order: str, tests: tuple[tuple[str, ...], ...]) -> str:
    at = (START - timedelta(hours=index)).strftime("%Y%m%d%H%M%S")
    values = {
        "hb": 110 + index % 50,
        "wbc": f"{4 + index % 70 / 10:.1f}",
        "crp": f"{index % 90 / 10:.1f}",
        "ifx": 2000 + index % 9000,
        "fcp": 20 + index % 900,
    }
    segments = [
        f"MSH|^~\\&|LAB|EXAMPLE HOSPITAL (DEMO)|MDT|IBD|{at}||ORU^R01|DEMO{index:08d}|P|2.4",
        f"PID|1||{number}^^^EXAMPLE^MR~DEMO-NHS-{index % 97}^^^NHS^NH||Example (DEMO)^Alice||"
        "19880412|F",
        f"OBR|1|ORD{index}|LAB{index}|{order}|||{at}",
    ]
    for set_id, (kind, code, value, unit) in enumerate(tests, start=1):
        segments.append(
            f"OBX|{set_id}|{kind}|{code}||{value.format(**values)}|{unit}||N|||F|||{at}"
        )
    return "\r".join(segments) + "\r"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=100_000)
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="write the file here and keep it")
    args = parser.parse_args()

    from mdt_desktop.importers.codes import load_code_table
    from mdt_desktop.importers.hl7_reader import read_hl7
    from mdt_desktop.paths import resource_path

    codes = load_code_table(resource_path("lab_codes.toml"))
    numbers = [f"DEMO{1000 + n}" for n in range(args.patients)]
    with tempfile.TemporaryDirectory() as folder:
        path = args.keep or Path(folder) / "results.hl7"
        messages = make_hl7(path, args.results, numbers)
        started = time.perf_counter()
        parsed = read_hl7(path, codes, now=START + timedelta(days=1))
        seconds = time.perf_counter() - started
        size = path.stat().st_size / 1e6
    print(
        f"{len(parsed.results)} results, {len(parsed.problems)} problems, {messages} messages, "
        f"{size:.1f} MB: read_hl7 took {seconds:.2f} s"
    )


if __name__ == "__main__":
    main()
