"""Schema 0003: snapshots are append-only; positions are locked with their meeting."""

import sqlite3

import pytest

from mdt_desktop.services.meetings import MeetingService

POSITION = (
    "INSERT INTO decision_positions (decision_id, clinician_id, role, position, comment, "
    "recorded_by_id, recorded_at) VALUES ({decision}, {clinician}, 'ibd_nurse', 'agree', '', "
    "{clinician}, '2026-10-28 12:00:00')"
)
SNAPSHOT = (
    "INSERT INTO case_snapshots (case_review_id, meeting_id, taken_at, format_version, payload, "
    "digest) VALUES ({case}, {meeting}, '2026-10-28 12:00:00', 1, '{{}}', '{digest}')"
)


@pytest.fixture
def signed(demo_db, config):
    meetings = MeetingService(demo_db, config)
    meeting = meetings.get(meetings.find_id("2026-10"))
    raw = sqlite3.connect(demo_db.path)
    yield meeting, raw
    raw.close()


def _decided_case(meeting):
    return next(c for c in meeting.cases if c.decision is not None)


def test_a_position_on_a_signed_off_decision_is_refused(signed):
    meeting, raw = signed
    case = _decided_case(meeting)
    with pytest.raises(sqlite3.DatabaseError, match="signed-off MDT meeting"):
        raw.execute(POSITION.format(decision=case.decision.id, clinician=meeting.chair_id))


def test_a_position_on_an_amendment_is_allowed(signed):
    meeting, raw = signed
    case = _decided_case(meeting)
    raw.execute(
        "INSERT INTO decisions (case_review_id, outcome, rationale, dissent, monitoring, "
        "decided_by_id, decided_at, amends_id, amendment_reason) SELECT case_review_id, "
        "outcome, rationale, dissent, monitoring, decided_by_id, decided_at, id, "
        f"'Typo' FROM decisions WHERE id = {case.decision.id}"
    )
    amendment = raw.execute("SELECT max(id) FROM decisions").fetchone()[0]
    raw.execute(POSITION.format(decision=amendment, clinician=meeting.chair_id))
    raw.commit()
    count = "SELECT count(*) FROM decision_positions WHERE decision_id = ?"
    assert raw.execute(count, (amendment,)).fetchone()[0] == 1


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE case_snapshots SET digest = 'x'",
        "DELETE FROM case_snapshots",
        "UPDATE case_snapshot_figures SET data = x'00'",
        "DELETE FROM case_snapshot_figures",
    ],
)
def test_snapshots_and_their_figures_are_append_only(signed, statement):
    meeting, raw = signed
    case = meeting.cases[0]
    existing = raw.execute(
        "SELECT id FROM case_snapshots WHERE case_review_id = ?", (case.id,)
    ).fetchone()
    if existing is None:
        raw.execute(SNAPSHOT.format(case=case.id, meeting=meeting.id, digest="0" * 64))
        existing = raw.execute("SELECT max(id) FROM case_snapshots").fetchone()
    raw.execute(
        "INSERT OR IGNORE INTO case_snapshot_figures (snapshot_id, name, media_type, data, digest)"
        " VALUES (?, 'extra', 'image/png', x'89', ?)",
        (existing[0], "0" * 64),
    )
    raw.commit()
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute(statement)
