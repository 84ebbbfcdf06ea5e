"""A relapsing patient on the re-review list, presented as a re-review and re-escalated.

End to end on the demo (seed 7, as of 24 Nov 2026). DEMO10076 was de-escalated at the MDT of
30 Sep 2026 from adalimumab 80 mg every 2 weeks (40 mg/week) to 40 mg every 2 weeks (20 mg/week)
from 10 Oct 2026. Since then calprotectin rose from 34 ug/g (27 Oct) to 172 ug/g (21 Nov):
×5.1, above 150, so the early warning is met (flare components: 172 is not > 250, CRP 7.2 is
not >= 10, partial Mayo 1 is not >= 2: no flare) and the patient is due back, relapsing.

The chair re-escalates to 80 mg every 2 weeks from 02 Dec 2026 (one decision: outcome and
save). Then the medication record (``patient --json``), the follow-up worklist and
``audit --json`` show the failure on 02 Dec 2026 and the recapture watch until 03 Jun 2027
(02 Dec 2026 + round(6 × 30.4375) = 183 days).
"""

import json
from datetime import date, timedelta

import pytest

from mdt_desktop import cli
from mdt_desktop.domain.access import Actor
from mdt_desktop.domain.consensus import DecisionInput, propose_target
from mdt_desktop.domain.enums import ChecklistResult, DoseUnit, Drug, Outcome, Role
from mdt_desktop.domain.errors import ValidationError
from mdt_desktop.domain.regimens import Regimen
from mdt_desktop.domain.rereview import RereviewTag
from mdt_desktop.models.db import open_database
from mdt_desktop.services.decisions import DecisionService
from mdt_desktop.services.followup import FollowUpService
from mdt_desktop.services.meeting_admin import MeetingAdminService
from mdt_desktop.services.meetings import MeetingService
from mdt_desktop.services.roster import RosterService
from tests.conftest import AS_OF

PATIENT = "DEMO10076"
MEETING = date(2026, 11, 25)  # the demo's planned meeting
EFFECTIVE = date(2026, 12, 2)
AFTER = date(2026, 12, 7)
REDUCED = Regimen(Drug.ADALIMUMAB, 40, DoseUnit.MG, 14)
BEFORE = Regimen(Drug.ADALIMUMAB, 80, DoseUnit.MG, 14)


def run_json(capsys, *argv):
    assert cli.main([str(a) for a in argv]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def listed(demo_path, config):
    """DEMO10076 added to the planned meeting from the re-review suggestions."""
    db = open_database(demo_path)
    meetings = MeetingService(db, config)
    meeting_id = meetings.find_id(AS_OF.strftime("%Y-%m"))
    clinicians = RosterService(db).clinicians()
    coordinator = next(c for c in clinicians if c.role is Role.COORDINATOR)
    chair_name = meetings.get(meeting_id).chair
    chair = next(c for c in clinicians if c.name == chair_name)
    admin = MeetingAdminService(db, config)
    suggestion = next(
        s for s in admin.rereviews(meeting_id) if s.patient.hospital_number == PATIENT
    )
    admin.add_candidate(
        meeting_id, PATIENT, Actor(coordinator.id, coordinator.name), suggestion.rereview.reason
    )
    board = meetings.board(meeting_id)
    yield db, board, board.cases[board.index_of(PATIENT)], Actor(chair.id, chair.name)
    db.close()


def test_the_relapsing_patient_is_presented_as_a_re_review(listed):
    _db, board, detail, _chair = listed
    assert board.meeting.meeting_date == MEETING
    review = detail.rereview
    assert review is not None
    assert review.tag is RereviewTag.RELAPSING
    assert review.reason == "Re-review after de-escalation (30 Sep 2026): relapsing"
    assert detail.case.added_reason == review.reason
    # the header: the reduced regimen and when it started, never "intensified since"
    summary = detail.summary
    assert summary.anti_tnf is not None
    assert summary.anti_tnf.regimen == REDUCED
    assert summary.regimen_since == date(2026, 10, 10)
    assert summary.previous_regimen == BEFORE
    # the re-review checklist, not the remission one
    answers = {a.item_key: a for a in detail.case.checklist}
    assert set(answers) == {
        "rereview_flare",
        "rereview_clinical_remission",
        "rereview_calprotectin",
        "rereview_crp",
        "rereview_steady_state_level",
        "rereview_monitoring",
        "rereview_patient_agrees",
    }
    assert answers["rereview_flare"].automatic is ChecklistResult.NOT_MET  # early warning
    assert answers["rereview_calprotectin"].automatic is ChecklistResult.MET  # 172 < 250
    assert answers["rereview_crp"].automatic is ChecklistResult.NOT_MET  # 7.2 is not < 5
    level = answers["rereview_steady_state_level"]
    # steady state: the 7th trough (40 mg q2w, 91 days = 6.5 intervals), before the dose of
    # 10 Oct + 98 days = 16 Jan 2027, counted from 30 days before: none yet on 25 Nov
    assert level.automatic is ChecklistResult.UNKNOWN
    assert "drawn before the dose change of 10 Oct 2026" in level.note
    assert "16 Jan 2027" in level.note
    assert answers["rereview_patient_agrees"].note == "To be answered by the team."


def test_a_re_escalation_in_one_decision_fails_the_episode_and_starts_the_recapture_watch(
    listed, demo_path, config, capsys
):
    db, _board, detail, chair = listed
    before = run_json(capsys, "--db", demo_path, "audit", "--json", "--as-of", AFTER)
    target = propose_target(
        REDUCED, config.regimens, Outcome.RE_ESCALATE, previous=detail.summary.previous_regimen
    )
    assert target == BEFORE
    DecisionService(db, config.regimens).record(
        detail.case.id,
        DecisionInput(Outcome.RE_ESCALATE, "Calprotectin rising", target, EFFECTIVE),
        chair,
    )

    record = run_json(capsys, "--db", demo_path, "patient", PATIENT, "--json")
    anti_tnf = [m for m in record["medications"] if m["phase"] == "maintenance"]
    reduced, back = anti_tnf[-2:]
    assert (reduced["dose"], reduced["start"], reduced["end"]) == (40.0, "2026-10-10", "2026-12-02")
    assert reduced["end_reason"] == "regimen_change"
    assert (back["dose"], back["interval_days"], back["start"], back["end"]) == (
        80.0,
        14,
        "2026-12-02",
        None,
    )

    rows = {r.hospital_number: r for r in FollowUpService(db, config).worklist(AFTER)}
    row = rows[PATIENT]
    assert row.re_escalated_on == EFFECTIVE
    assert row.recaptured is None
    assert row.recapture_until == date(2027, 6, 3)
    assert row.recapture_text == "Re-escalated 02 Dec 2026: recapture pending until 03 Jun 2027"

    after = run_json(capsys, "--db", demo_path, "audit", "--json", "--as-of", AFTER)
    assert after["de_escalations"] == before["de_escalations"]
    assert after["failure_reasons"]["re_escalation"] == (
        before["failure_reasons"]["re_escalation"] + 1
    )
    assert after["re_escalated"] == before["re_escalated"] + 1
    assert after["recapture_pending"] == before["recapture_pending"] + 1

    meeting = run_json(capsys, "--db", demo_path, "meeting", MEETING, "--json")
    case = next(c for c in meeting["cases"] if c["hospital_number"] == PATIENT)
    assert case["checklist_kind"] == "rereview"
    assert case["rereview"]["tag"] == "relapsing"
    assert case["rereview"]["lines"][0].startswith("De-escalation to Adalimumab 40 mg every 2")
    assert case["decision"]["outcome"] == "re_escalate"
    assert case["decision"]["effective_date"] == "2026-12-02"


def test_changing_the_re_escalation_before_sign_off_undoes_it(listed, demo_path, config, capsys):
    db, _board, detail, chair = listed
    service = DecisionService(db, config.regimens)
    service.record(
        detail.case.id,
        DecisionInput(Outcome.RE_ESCALATE, "Calprotectin rising", BEFORE, EFFECTIVE),
        chair,
    )
    service.record(detail.case.id, DecisionInput(Outcome.DEFER, "Repeat calprotectin"), chair)
    record = run_json(capsys, "--db", demo_path, "patient", PATIENT, "--json")
    last = [m for m in record["medications"] if m["phase"] == "maintenance"][-1]
    assert (last["dose"], last["start"], last["end"]) == (40.0, "2026-10-10", None)


def test_a_further_de_escalation_continues_the_episode(listed, demo_path, config, capsys):
    db, _board, detail, chair = listed
    before = run_json(capsys, "--db", demo_path, "audit", "--json", "--as-of", AFTER)
    three_weekly = Regimen(Drug.ADALIMUMAB, 40, DoseUnit.MG, 21)  # 13.3 mg/week < 20
    DecisionService(db, config.regimens).record(
        detail.case.id,
        DecisionInput(Outcome.DE_ESCALATE, "Patient wishes to space", three_weekly, EFFECTIVE),
        chair,
    )
    after = run_json(capsys, "--db", demo_path, "audit", "--json", "--as-of", AFTER)
    assert after["de_escalations"] == before["de_escalations"]  # the same episode goes on
    assert after["re_escalated"] == before["re_escalated"]
    record = run_json(capsys, "--db", demo_path, "patient", PATIENT, "--json")
    last = [m for m in record["medications"] if m["phase"] == "maintenance"][-1]
    assert (last["interval_days"], last["start"]) == (21, "2026-12-02")


def test_re_escalating_an_intensified_candidate_is_refused(listed, config):
    db, board, _detail, chair = listed
    candidate = next(
        d for d in board.cases if d.rereview is None and d.summary.intensified_since is not None
    )
    current = candidate.summary.anti_tnf.regimen
    higher = Regimen(current.drug, current.dose_value * 2, current.dose_unit, current.interval_days)
    with pytest.raises(ValidationError, match="is not a reduced regimen"):
        DecisionService(db, config.regimens).record(
            candidate.case.id,
            DecisionInput(Outcome.RE_ESCALATE, "x", higher, MEETING + timedelta(days=7)),
            chair,
        )
