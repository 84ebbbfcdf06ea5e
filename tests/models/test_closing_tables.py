"""Schema 0003: snapshots are append-only; positions are locked with their meeting."""

import sqlite3

import pytest

from mdt_desktop.domain.enums import Role
from mdt_desktop.models import MeetingRow
from tests import factories as f

POSITION = (
    "INSERT INTO decision_positions (decision_id, clinician_id, role, position, comment, "
    "recorded_by_id, recorded_at) VALUES ({decision}, {clinician}, 'ibd_nurse', 'agree', '', "
    "{clinician}, '2026-10-28 12:00:00')"
)


@pytest.fixture
def signed(db):
    """A signed-off meeting: one decided case with its snapshot and figure; raw SQL access."""
    with db.write() as session:
        case = f.make_case_review(session)
        decision = f.make_decision(session, case)
        f.make_snapshot_figure(session, f.make_snapshot(session, case))
        nurse = f.make_clinician(session, role=Role.IBD_NURSE.value)
        meeting = f.sign_off(session, session.get(MeetingRow, case.meeting_id))
    raw = sqlite3.connect(db.path)
    yield meeting, decision, nurse, raw
    raw.close()


def test_a_position_on_a_signed_off_decision_is_refused(signed):
    _meeting, decision, nurse, raw = signed
    with pytest.raises(sqlite3.DatabaseError, match="signed-off MDT meeting"):
        raw.execute(POSITION.format(decision=decision.id, clinician=nurse.id))


def test_a_position_on_an_amendment_is_allowed(signed):
    _meeting, decision, nurse, raw = signed
    raw.execute(
        "INSERT INTO decisions (case_review_id, outcome, rationale, dissent, monitoring, "
        "decided_by_id, decided_at, amends_id, amendment_reason) SELECT case_review_id, "
        "outcome, rationale, dissent, monitoring, decided_by_id, decided_at, id, "
        f"'Typo' FROM decisions WHERE id = {decision.id}"
    )
    amendment = raw.execute("SELECT max(id) FROM decisions").fetchone()[0]
    raw.execute(POSITION.format(decision=amendment, clinician=nurse.id))
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
    *_, raw = signed
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute(statement)
