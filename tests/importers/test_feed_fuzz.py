"""Fuzzing the new paths of the readers: keys given twice, time zone offsets, counts and bounds.

Whatever the input, the readers return a ParsedFile (never an exception); a file with a key
given twice is never read without a problem; every medication period read ends after it
starts, and every time read is no later than tomorrow in site time.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mdt_desktop.importers.codes import CodeTable
from mdt_desktop.importers.fhir_reader import parse_fhir
from mdt_desktop.importers.hl7_reader import parse_hl7
from mdt_desktop.importers.model import ParsedFile
from mdt_desktop.importers.times import parse_datetime, parse_hl7_time
from tests.importers.conftest import FIXTURES, NOW

pytestmark = pytest.mark.slow  # fuzzing with hypothesis

LONDON = ZoneInfo("Europe/London")
FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KEYS = ["resourceType", "value", "unit", "code", "status", "subject", "reference", "count", "id"]
FEED = json.loads((FIXTURES / "feed_medication_statements.json").read_text(encoding="utf-8"))


def check(parsed: ParsedFile) -> None:
    assert isinstance(parsed, ParsedFile)
    for problem in parsed.problems:
        assert problem.where.file == "fuzz.json"
        assert problem.reason
    for medication in parsed.medications:
        assert medication.end is None or medication.end >= medication.start
        assert medication.interval_days >= 1
    for result in parsed.results:
        assert result.collected_at <= NOW + timedelta(days=1)


# --- keys given twice ------------------------------------------------------------------------


@st.composite
def json_text(draw: st.DrawFn, depth: int = 0) -> tuple[str, bool]:
    """JSON text whose objects may give a key twice, and whether any does."""
    if depth > 3 or draw(st.booleans()):
        value = draw(st.one_of(st.none(), st.integers(-5, 50), st.sampled_from(["final", "mg/L"])))
        return json.dumps(value), False
    if draw(st.booleans()):
        items = [draw(json_text(depth + 1)) for _ in range(draw(st.integers(0, 3)))]
        return "[" + ",".join(t for t, _ in items) + "]", any(r for _, r in items)
    keys = draw(st.lists(st.sampled_from(KEYS), max_size=5))
    values = [draw(json_text(depth + 1)) for _ in keys]
    body = ",".join(f"{json.dumps(k)}:{t}" for k, (t, _) in zip(keys, values, strict=True))
    return "{" + body + "}", len(set(keys)) < len(keys) or any(r for _, r in values)


@FUZZ
@given(fragment=json_text(), where=st.sampled_from([0, 1, 2]))
def test_keys_given_twice_are_never_read_silently(
    codes: CodeTable, fragment: tuple[str, bool], where: int
) -> None:
    text, repeated = fragment
    entry = json.dumps(FEED["entry"][where])[:-1] + ', "extra": ' + text + "}"
    document = '{"resourceType": "Bundle", "type": "collection", "entry": [' + entry + "]}"
    parsed = parse_fhir(document, "fuzz.json", codes, now=NOW)
    check(parsed)
    if repeated:
        assert any("appears" in p.reason for p in parsed.problems)


# --- offsets ----------------------------------------------------------------------------------

instants = st.datetimes(min_value=datetime(1899, 12, 30), max_value=datetime(2027, 1, 2))
offsets = st.integers(-12 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@FUZZ
@given(moment=instants, offset=offsets)
def test_an_aware_time_is_the_same_instant_in_site_time(moment: datetime, offset: timezone) -> None:
    aware = moment.replace(microsecond=0, tzinfo=offset)
    expected = aware.astimezone(LONDON).replace(tzinfo=None)
    hl7 = aware.strftime("%Y%m%d%H%M%S") + aware.strftime("%z")
    refused = expected > NOW + timedelta(days=1) or expected < datetime(1900, 1, 1)
    for parse, text in ((parse_datetime, aware.isoformat()), (parse_hl7_time, hl7)):
        if refused:  # judged after the conversion
            with pytest.raises(ValueError, match=r"in the future|before 1900"):
                parse(text, now=NOW, zone=LONDON)
        else:
            assert parse(text, now=NOW, zone=LONDON) == expected


@FUZZ
@given(moment=instants, offset=st.text(alphabet="+-0123456789", min_size=0, max_size=6))
def test_any_hl7_offset_text_reads_or_is_refused(
    codes: CodeTable, moment: datetime, offset: str
) -> None:
    text = (
        "MSH|^~\\&|LAB|H|MDT|IBD|20250602||ORU^R01|X1|P|2.5.1\r"
        "PID|1||DEMO1001^^^H^MR\r"
        f"OBX|1|NM|1988-5^CRP^LN||14|mg/L||H|||F|||{moment:%Y%m%d%H%M%S}{offset}\r"
    )
    parsed = parse_hl7(text, "fuzz.json", codes, now=NOW)
    check(parsed)
    assert len(parsed.results) + len(parsed.problems) == 1


# --- counts and bounds ------------------------------------------------------------------------

anything: Any = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 400),
    st.floats(allow_nan=True),
    st.sampled_from(["d", "wk", "mo", "h", "a", "2024-06-30T23:30:00Z", "2099-01-01", ""]),
    st.dictionaries(
        st.sampled_from(["value", "unit", "code", "start", "end", "low"]),
        st.one_of(st.integers(-2, 60), st.sampled_from(["wk", "d", "mo", "2024-03-01"])),
        max_size=3,
    ),
)


@FUZZ
@given(
    repeat=st.dictionaries(
        st.sampled_from(
            ["count", "countMax", "period", "periodUnit", "frequency", "boundsDuration",
             "boundsPeriod", "boundsRange"]
        ),
        anything,
        max_size=5,
    ),
    status=st.sampled_from(["active", "completed", "stopped", "on-hold", "unknown", "intended"]),
    text=st.sampled_from(["", "Induction", "loading dose", "maintenance"]),
    asserted=st.sampled_from([None, "2024-02-01", "2023-01-01", "2099-01-01"]),
)  # fmt: skip
def test_any_count_or_bounds_gives_a_period_that_ends_after_it_starts_or_a_problem(
    codes: CodeTable, repeat: dict[str, Any], status: str, text: str, asserted: str | None
) -> None:
    statement = json.loads(json.dumps(FEED["entry"][0]["resource"]))  # infliximab induction
    statement["status"] = status
    statement["dosage"][0]["timing"]["repeat"] = repeat
    statement["dosage"][0]["text"] = text
    statement.pop("dateAsserted")
    if asserted is not None:
        statement["dateAsserted"] = asserted
    document = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [FEED["entry"][7], {"resource": statement}],
    }
    parsed = parse_fhir(json.dumps(document), "fuzz.json", codes, now=NOW)
    check(parsed)
    assert len(parsed.medications) <= 1
