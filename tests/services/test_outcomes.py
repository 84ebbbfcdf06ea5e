"""The outcome audit over the demo database: the ``audit --json`` contract, its consistency with
the episodes of each full patient record, the splits, the baseline table and the drug burden."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from mdt_desktop.domain.enums import CaseStatus, DoseUnit, Drug, IbdType
from mdt_desktop.domain.outcome_audit import drug_burden, summarise
from mdt_desktop.domain.outcome_baseline import baseline_of, baseline_table
from mdt_desktop.domain.outcomes import Episode, FailureReason, OutcomeRules, audit_episodes
from mdt_desktop.domain.regimens import Regimen
from mdt_desktop.models import CaseReviewRow, MeetingRow, PatientRow
from mdt_desktop.services.outcomes import OutcomeService
from mdt_desktop.services.patients import PatientService
from tests.conftest import AS_OF

CONTRACT = {
    "de_escalations": int,
    "patients": int,
    "evaluable_12m": int,
    "maintained_12m": int,
    "maintained_12m_pct": float,
    "failed_12m": int,
    "median_months_to_failure": float,
    "failure_reasons": dict,
    "re_escalated": int,
    "recaptured": int,
    "km": list,
}
REASONS = {"re_escalation", "trial_enrolment", "steroids", "surgery", "stopped"}
CENSORED = {
    "followed_to_audit_date",
    "stopped_other_reason",
    "stop_reason_not_recorded",
    "lost_to_follow_up",
    "route_changed",
}
COUNTS = ("de_escalations", "evaluable_12m", "maintained_12m", "failed_12m", "re_escalated")


@pytest.fixture
def audit(demo_db, config):
    return OutcomeService(demo_db, config).audit(as_of=AS_OF, cost_per_administration=400.0)


def test_json_has_the_contract_keys_and_types(audit):
    document = audit.as_json()
    for key, kind in CONTRACT.items():
        assert isinstance(document[key], kind), key
    assert set(document["failure_reasons"]) == REASONS
    assert set(document["censored"]) == CENSORED
    assert isinstance(document["lost_to_follow_up"], int)
    assert document["lost_to_follow_up"] == document["censored"]["lost_to_follow_up"]
    assert all(isinstance(n, int) for n in document["failure_reasons"].values())
    assert [p["month"] for p in document["km"]] == list(range(25))
    assert all(0.0 <= p["survival"] <= 1.0 for p in document["km"])
    assert 0.0 <= document["maintained_12m_pct"] <= 100.0
    assert document["as_of"] == AS_OF.isoformat()
    assert {"by_drug", "by_diagnosis", "baseline", "drug_burden"} <= set(document)


def test_figures_are_consistent(audit):
    figures = audit.as_json()
    assert figures["de_escalations"] > 20  # the demo de-escalates dozens of patients
    assert figures["maintained_12m"] + figures["failed_12m"] == figures["evaluable_12m"]
    assert figures["evaluable_12m"] <= figures["de_escalations"]
    assert sum(figures["failure_reasons"].values()) == figures["failed_12m"]
    failed_ever = sum(1 for e in audit.episodes if e.failed)
    assert sum(figures["censored"].values()) + failed_ever == figures["de_escalations"]
    assert figures["recaptured"] <= figures["re_escalated"]
    assert figures["re_escalated"] == figures["failure_reasons"]["re_escalation"]
    assert figures["maintained_12m_pct"] == round(
        100 * figures["maintained_12m"] / figures["evaluable_12m"], 1
    )
    survival = [p["survival"] for p in figures["km"]]
    assert survival[0] == 1.0
    assert survival == sorted(survival, reverse=True)
    assert all(e.reason in FailureReason for e in audit.episodes if e.failed)
    assert all(e.start <= AS_OF for e in audit.episodes)


def test_the_bulk_read_agrees_with_every_full_record(audit, demo_db, config):
    """The audit's partial records and bulk last contacts give what the case screen's full
    records, with the meetings that discussed each patient, give."""
    rules = OutcomeRules.from_config(config)
    window = config.thresholds["audit_baseline_window"].days
    service = PatientService(demo_db)
    with demo_db.read() as session:
        numbers = session.scalars(select(PatientRow.hospital_number)).all()
        discussed = session.execute(
            select(PatientRow.hospital_number, MeetingRow.meeting_date)
            .join(CaseReviewRow, CaseReviewRow.patient_id == PatientRow.id)
            .join(MeetingRow, CaseReviewRow.meeting_id == MeetingRow.id)
            .where(CaseReviewRow.status == CaseStatus.DISCUSSED.value)
        ).all()
    reviews: dict[str, list[date]] = {}
    for number, meeting_date in discussed:
        reviews.setdefault(number, []).append(meeting_date)
    pairs = []
    for number in numbers:
        record = service.get_record(number)
        found = audit_episodes(record, AS_OF, rules, reviews.get(number, ()))
        pairs += [(e, baseline_of(record, e, window)) for e in found]
    assert sorted(audit.episodes, key=_order) == sorted((e for e, _ in pairs), key=_order)
    assert audit.overall.as_json() == summarise([e for e, _ in pairs], rules).as_json()
    assert audit.baseline == baseline_table(pairs, rules)


def _order(episode):
    return (episode.start, episode.hospital_number)


def test_splits_add_up_to_the_whole(audit):
    overall = audit.overall.as_json()
    for split in (audit.by_drug, audit.by_diagnosis):
        for count in COUNTS:
            assert sum(getattr(f, count) for f in split.values()) == overall[count], count
    assert set(audit.by_drug) <= {"Infliximab IV", "Infliximab SC", "Adalimumab"}
    assert set(audit.by_diagnosis) <= {t.label for t in IbdType}
    assert audit.by_diagnosis["Crohn's disease"].de_escalations > 0


def test_baseline_table(audit):
    labels = [row.label for row in audit.baseline]
    assert labels[:2] == ["Faecal calprotectin (ug/g)", "C-reactive protein (mg/L)"]
    assert "Concomitant immunomodulator" in labels
    assert "Ulcerative colitis" in labels
    for row in audit.baseline:
        assert row.test in ("Mann–Whitney U", "Fisher exact")
        assert row.p_value is None or 0.0 <= row.p_value <= 1.0
    tested = [row for row in audit.baseline if row.p_value is not None]
    assert len(tested) >= 5  # both groups are present for most rows of the demo
    assert all("n=" in row.successes for row in tested if row.test == "Mann–Whitney U")
    assert all("%" in row.failures for row in tested if row.test == "Fisher exact")


def test_drug_burden(audit):
    burden = audit.burden
    lengthened = [e for e in audit.episodes if e.after.interval_days > e.before.interval_days]
    assert lengthened
    assert burden.administrations_avoided > 0
    assert burden.patient_years > 0
    assert burden.per_patient_year == pytest.approx(
        burden.administrations_avoided / burden.patient_years
    )
    assert burden.cost_avoided == pytest.approx(400.0 * burden.administrations_avoided)
    assert audit.as_json()["drug_burden"]["cost_per_administration"] == 400.0


def test_drug_burden_counts_administrations_a_year_over_the_time_on_the_reduced_regimen():
    start = date(2024, 1, 1)
    every_4_weeks = Regimen(Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 28)
    every_8_weeks = Regimen(Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 56)
    year = timedelta(days=round(365.25 * 2))  # two years, to the day
    episode = Episode(
        "DEMO1",
        IbdType.CROHNS,
        Drug.INFLIXIMAB_IV,
        start,
        every_4_weeks,
        every_8_weeks,
        start + year,
    )
    failed = Episode(
        "DEMO2",
        IbdType.CROHNS,
        Drug.INFLIXIMAB_IV,
        start,
        every_4_weeks,
        every_8_weeks,
        start + year,
        failed_on=start + year / 4,
        reason=FailureReason.RE_ESCALATION,
    )
    burden = drug_burden([episode, failed])
    per_year = 365.25 / 28 - 365.25 / 56  # 6.52 infusions a year fewer
    assert burden.patient_years == pytest.approx(2.5, abs=0.01)
    assert burden.administrations_avoided == pytest.approx(2.5 * per_year, rel=0.01)
    assert burden.cost_avoided is None
    assert drug_burden([]).per_patient_year == 0.0


def test_an_earlier_day_follows_fewer_episodes_for_less_time(demo_db, config, audit):
    service = OutcomeService(demo_db, config)
    earlier = service.audit(as_of=AS_OF - timedelta(days=365))
    assert earlier.overall.de_escalations < audit.overall.de_escalations
    assert all(e.start <= AS_OF - timedelta(days=365) for e in earlier.episodes)
    assert all(e.follow_up_end <= earlier.as_of for e in earlier.episodes)


def test_a_database_without_de_escalations(db, config):
    audit = OutcomeService(db, config).audit(as_of=AS_OF)
    document = audit.as_json()
    assert document["de_escalations"] == 0
    assert document["maintained_12m_pct"] is None
    assert document["median_months_to_failure"] is None
    assert document["by_drug"] == {}
    assert all(row["p_value"] is None for row in document["baseline"])
    assert document["drug_burden"]["administrations_avoided"] == 0.0
    assert all(not math.isnan(p["survival"]) for p in document["km"])
