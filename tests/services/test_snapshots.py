"""Frozen evidence: sign-off writes a snapshot and plots per case; later data never changes it."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3

import pytest
from PIL import Image
from sqlalchemy import select

from mdt_desktop.domain.checklist import RuleContext, evaluate_checklist
from mdt_desktop.domain.enums import ChecklistResult, MeetingStatus
from mdt_desktop.domain.new_data import Change, DataKind
from mdt_desktop.domain.snapshot import FIGURE_NAME, digest, from_payload
from mdt_desktop.models import AuditEventRow, CaseSnapshotRow, MeetingRow, SnapshotFigureRow
from mdt_desktop.services.audit import verify_chain
from mdt_desktop.services.integrity import check_database
from mdt_desktop.services.json_views import meeting_json
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.patients import PatientService
from mdt_desktop.services.signoff import SignOffService
from mdt_desktop.services.snapshots import FigureMaker
from tests.snapshot_helpers import (
    DECIDED_AT,
    LATE,
    SIGNED_AT,
    import_late_crp,
    prepare,
    sign_off_planned,
)

pytestmark = pytest.mark.slow  # signs meetings off, a plot image per case


def snapshot_rows(db, meeting_id):
    with db.read() as session:
        rows = session.scalars(
            select(CaseSnapshotRow).where(CaseSnapshotRow.meeting_id == meeting_id)
        ).all()
        return [(r.case_review_id, r.taken_at, r.digest, r.payload, r.id) for r in rows]


def figure_rows(db, meeting_id):
    with db.read() as session:
        return session.execute(
            select(SnapshotFigureRow.name, SnapshotFigureRow.media_type, SnapshotFigureRow.data)
            .join(CaseSnapshotRow, CaseSnapshotRow.id == SnapshotFigureRow.snapshot_id)
            .where(CaseSnapshotRow.meeting_id == meeting_id)
        ).all()


def audit_actions(db, meeting_id):
    with db.read() as session:
        return session.execute(
            select(AuditEventRow.action, AuditEventRow.entity, AuditEventRow.after)
            .where(AuditEventRow.meeting_id == meeting_id)
            .order_by(AuditEventRow.id)
        ).all()


def test_sign_off_freezes_each_case_with_its_plots_and_audit_rows(signed, config):
    demo_db, prepared = signed
    rows = snapshot_rows(demo_db, prepared.meeting_id)
    assert sorted(r[0] for r in rows) == sorted(d.case.id for d in prepared.cases)
    for case_id, taken_at, stored_digest, payload, _ in rows:
        assert taken_at == SIGNED_AT
        assert stored_digest == digest(payload)
        frozen = from_payload(payload)
        detail = next(d for d in prepared.cases if d.case.id == case_id)
        number = detail.case.patient.hospital_number
        assert frozen.record == PatientService(demo_db).get_record(number)
        assert [a.item_key for a in frozen.checklist] == [i.key for i in config.checklist]
        if case_id == prepared.de_escalated:
            assert len(frozen.decision_periods) == 2  # the period it ended and the one it began
    figures = figure_rows(demo_db, prepared.meeting_id)
    assert len(figures) == len(rows)
    for name, media_type, data in figures:
        assert (name, media_type) == (FIGURE_NAME, "image/png")
        with Image.open(io.BytesIO(data)) as picture:
            assert picture.format == "PNG"
            assert picture.size == (1440, 860)
    actions = audit_actions(demo_db, prepared.meeting_id)
    frozen_rows = [a for a in actions if a[:2] == ("freeze", "case_snapshot")]
    assert len(frozen_rows) == len(rows)
    assert {a[2]["digest"] for a in frozen_rows} == {r[2] for r in rows}
    assert actions[-1][0] == "sign_off"
    with demo_db.read() as session:
        assert verify_chain(session).intact


def test_figure_digests_match_their_bytes(signed, config):
    demo_db, prepared = signed
    with demo_db.read() as session:
        for figure in session.scalars(select(SnapshotFigureRow)):
            assert figure.digest == hashlib.sha256(figure.data).hexdigest()
    assert prepared.cases


def test_a_failing_sign_off_writes_no_snapshot_no_figure_and_no_lock(demo_db, config, monkeypatch):
    prepared = prepare(demo_db, config)
    drawn = []
    original = FigureMaker.png

    def failing(self, case, snapshot, decision):
        drawn.append(case.id)
        if len(drawn) == 3:
            raise RuntimeError("the plot could not be drawn")
        return original(self, case, snapshot, decision)

    monkeypatch.setattr(FigureMaker, "png", failing)
    with pytest.raises(RuntimeError, match="could not be drawn"):
        SignOffService(demo_db, config).sign_off(prepared.meeting_id, prepared.chair)
    assert len(drawn) == 3
    assert snapshot_rows(demo_db, prepared.meeting_id) == []
    assert figure_rows(demo_db, prepared.meeting_id) == []
    assert not [a for a in audit_actions(demo_db, prepared.meeting_id) if a[0] == "freeze"]
    with demo_db.read() as session:
        status = session.scalar(
            select(MeetingRow.status).where(MeetingRow.id == prepared.meeting_id)
        )
    assert status != MeetingStatus.SIGNED_OFF.value


def test_sign_off_reports_progress_case_by_case(demo_db, config):
    heard = []
    prepared = sign_off_planned(demo_db, config, progress=lambda *a: heard.append(a))
    total = len(prepared.cases) + 1
    assert [h[0] for h in heard] == list(range(total))
    assert {h[1] for h in heard} == {total}
    assert heard[0][2] == "Freezing the evidence of case 1"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE case_snapshots SET payload = '{{}}' WHERE id = {snapshot}",
        "UPDATE case_snapshots SET digest = '{zeros}' WHERE id = {snapshot}",
        "DELETE FROM case_snapshots WHERE id = {snapshot}",
        "UPDATE case_snapshot_figures SET data = x'00' WHERE snapshot_id = {snapshot}",
        "DELETE FROM case_snapshot_figures WHERE snapshot_id = {snapshot}",
    ],
)
def test_the_sqlite3_shell_cannot_change_or_remove_a_snapshot(signed, config, statement):
    demo_db, prepared = signed
    snapshot = snapshot_rows(demo_db, prepared.meeting_id)[0][4]
    raw = sqlite3.connect(demo_db.path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            raw.execute(statement.format(snapshot=snapshot, zeros="0" * 64))
    finally:
        raw.close()


def test_a_lab_imported_after_sign_off_changes_nothing_frozen_and_shows_as_new_data(
    signed, config, tmp_path
):
    demo_db, prepared = signed
    meetings = MeetingService(demo_db, config)
    before = meetings.board(prepared.meeting_id)
    case = before.cases[0]
    number = case.case.patient.hospital_number
    assert case.frozen
    assert case.new_data == ()
    assert import_late_crp(demo_db, tmp_path, number).written

    after = meetings.board(prepared.meeting_id)
    detail = after.cases[0]
    assert detail.record == case.record
    assert detail.case.checklist == case.case.checklist
    assert (detail.overall, detail.risks, detail.summary) == (
        case.overall,
        case.risks,
        case.summary,
    )
    assert detail.annotations == case.annotations
    assert detail.snapshot == case.snapshot
    (item,) = detail.new_data
    assert (item.kind, item.change, item.analyte, item.value, item.unit) == (
        DataKind.RESULT,
        Change.NEW,
        "crp",
        "48",
        "mg/L",
    )
    assert item.as_text() == "CRP 48 mg/L on 23 Nov 2026"
    assert all(d.new_data == () for d in after.cases[1:])
    # the live record would have answered the CRP item differently: the freeze is what holds
    live = PatientService(demo_db).get_record(number)
    context = RuleContext(live, case.meeting_date, config.thresholds, config.regimens)
    crp = next(a for a in evaluate_checklist(config.checklist, context) if a.item_key == "crp")
    assert crp.automatic is ChecklistResult.NOT_MET
    assert meetings.case_detail(case.case.id) == detail


def test_a_corrected_result_is_listed_with_the_value_the_meeting_saw(signed, config):
    demo_db, prepared = signed
    meetings = MeetingService(demo_db, config)
    case = meetings.board(prepared.meeting_id).cases[0]
    seen = next(o for o in reversed(case.record.observations) if o.value)  # 0 * 2 is still 0
    raw = sqlite3.connect(demo_db.path)
    try:
        raw.execute("UPDATE observations SET value = value * 2 WHERE id = ?", (seen.id,))
        raw.commit()
    finally:
        raw.close()
    (item,) = meetings.case_detail(case.case.id).new_data
    assert item.change is Change.CHANGED
    assert item.previous == f"{seen.display_value} {seen.unit}"
    assert "(corrected; was" in item.as_text()


def test_an_open_meeting_flags_results_imported_after_the_decision(demo_db, config, tmp_path):
    prepared = prepare(demo_db, config)
    meetings = MeetingService(demo_db, config)
    first, second = prepared.cases[0], prepared.cases[1]
    # imported before the second case was decided (5 minutes after the first): not new to it
    import_late_crp(demo_db, tmp_path, second.case.patient.hospital_number, now=DECIDED_AT)
    import_late_crp(demo_db, tmp_path, first.case.patient.hospital_number, now=LATE)
    board = meetings.board(prepared.meeting_id)
    assert board.meeting.status is not MeetingStatus.SIGNED_OFF
    assert [n.as_text() for n in board.cases[0].new_data] == ["CRP 48 mg/L on 23 Nov 2026"]
    assert board.cases[1].new_data == ()
    assert not board.cases[0].frozen


def test_a_case_without_a_decision_has_no_new_data(demo_db, config, tmp_path):
    meetings = MeetingService(demo_db, config)
    board = meetings.board(meetings.find_id("2026-11"))
    number = board.cases[0].case.patient.hospital_number
    import_late_crp(demo_db, tmp_path, number, now=LATE)
    assert meetings.board(board.meeting.id).cases[0].new_data == ()


def drop_append_only_triggers(raw):
    """What only someone with the database file could do: lift the snapshots' protection."""
    triggers = raw.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' "
        "AND tbl_name IN ('case_snapshots', 'case_snapshot_figures')"
    ).fetchall()
    for (name,) in triggers:
        raw.execute(f'DROP TRIGGER "{name}"')


def drop_snapshots(path, meeting_id):
    """Make the meeting look signed off before this version: no snapshots at all."""
    raw = sqlite3.connect(path)
    try:
        drop_append_only_triggers(raw)
        raw.execute(
            "DELETE FROM case_snapshot_figures WHERE snapshot_id IN "
            "(SELECT id FROM case_snapshots WHERE meeting_id = ?)",
            (meeting_id,),
        )
        raw.execute("DELETE FROM case_snapshots WHERE meeting_id = ?", (meeting_id,))
        raw.commit()
    finally:
        raw.close()


def test_a_meeting_signed_off_before_snapshots_still_opens_as_before(demo_db, config, tmp_path):
    meetings = MeetingService(demo_db, config)
    meeting_id = meetings.find_id("2026-10")
    drop_snapshots(demo_db.path, meeting_id)
    board = meetings.board(meeting_id)
    assert board.meeting.status is MeetingStatus.SIGNED_OFF
    assert board.cases
    assert not any(d.frozen for d in board.cases)
    decided = next(d for d in board.cases if d.case.decision)
    number = decided.case.patient.hospital_number
    assert decided.record == PatientService(demo_db).get_record(number)
    assert decided.new_data == ()
    import_late_crp(demo_db, tmp_path, number, now=LATE)
    again = meetings.case_detail(decided.case.id)
    assert [n.analyte for n in again.new_data] == ["crp"]
    assert meetings.frozen_figures(meeting_id, FIGURE_NAME) == {}


def test_the_demo_froze_its_signed_off_meetings_as_they_stood(demo_db, config):
    meetings = MeetingService(demo_db, config)
    signed_off = [m for m in meetings.list_meetings() if m.status is MeetingStatus.SIGNED_OFF]
    assert len(signed_off) == 3
    for item in signed_off:
        board = meetings.board(item.id)
        rows = snapshot_rows(demo_db, item.id)
        assert len(rows) == len(board.cases) == item.cases
        assert all(d.frozen for d in board.cases)
        for _, taken_at, stored_digest, payload, _ in rows:
            assert stored_digest == digest(payload)
            frozen = from_payload(payload)
            assert taken_at == board.meeting.signed_off_at
            assert all(o.collected_at <= taken_at for o in frozen.record.observations)
            assert all(a.created_at <= taken_at for a in frozen.annotations)
        assert len(meetings.frozen_figures(item.id, FIGURE_NAME)) == len(rows)
        rows_written = audit_actions(demo_db, item.id)
        actions = [a[0] for a in rows_written]
        frozen_at = [i for i, (action, entity, _) in enumerate(rows_written) if action == "freeze"]
        snapshots = [i for i in frozen_at if rows_written[i][1] == "case_snapshot"]
        assert len(snapshots) == len(rows)  # and each unanswered checklist item, as sign-off does
        assert max(frozen_at) < actions.index("sign_off")  # as sign-off writes them
    # results taken after the October sign-off are new since its decisions
    october = meetings.board(meetings.find_id("2026-10"))
    assert any(d.new_data for d in october.cases)
    assert all(
        n.on > october.meeting.signed_off_at.date() for d in october.cases for n in d.new_data
    )


def test_meeting_json_names_the_snapshot_and_the_new_data(signed, config, tmp_path):
    demo_db, prepared = signed
    number = prepared.cases[0].case.patient.hospital_number
    import_late_crp(demo_db, tmp_path, number)
    board = MeetingService(demo_db, config).board(prepared.meeting_id)
    document = json.loads(json.dumps(meeting_json(board.meeting, board.cases)))
    first = document["cases"][0]
    assert first["hospital_number"] == number
    assert first["snapshot"] == {
        "taken_at": SIGNED_AT.isoformat(),
        "digest": board.cases[0].snapshot.digest,
        "format_version": 1,
    }
    (item,) = first["new_data_since_decision"]
    assert {k: item[k] for k in ("kind", "change", "analyte", "value", "unit", "date")} == {
        "kind": "result",
        "change": "new",
        "analyte": "crp",
        "value": "48",
        "unit": "mg/L",
        "date": "2026-11-23",
    }
    assert document["cases"][1]["new_data_since_decision"] == []
    open_board = MeetingService(demo_db, config).board(
        MeetingService(demo_db, config).find_id("2026-10")
    )
    assert all(
        c["snapshot"] is not None
        for c in meeting_json(open_board.meeting, open_board.cases)["cases"]
    )
    assert "snapshot" not in meeting_json(board.meeting)["cases"][0]  # only with the details


def test_check_finds_frozen_evidence_changed_behind_the_triggers(demo_db):
    assert check_database(demo_db).snapshot_problems == ()
    raw = sqlite3.connect(demo_db.path)
    try:
        drop_append_only_triggers(raw)
        first = raw.execute("SELECT min(id) FROM case_snapshots").fetchone()[0]
        raw.execute(
            "UPDATE case_snapshots SET payload = "
            "json_set(payload, '$.record.patient.family_name', 'Tampered') WHERE id = ?",
            (first,),
        )
        raw.execute(
            "UPDATE case_snapshot_figures SET data = x'89504e47' WHERE snapshot_id = ?", (first,)
        )
        raw.commit()
    finally:
        raw.close()
    report = check_database(demo_db)
    assert not report.ok
    assert len(report.snapshot_problems) == 2
    assert f"case snapshot {first} " in report.snapshot_problems[0]
    assert "Snapshots:    DIGESTS DO NOT MATCH" in report.lines()
