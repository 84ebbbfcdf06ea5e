"""The outcome audit over a database holding the EHR-shaped cohort of tests/ehr_cohort.py.

The rows are written with the services' own column mappings (not the demo); the audit must give
the figures worked out by hand in tests/domain/test_ehr_cohort.py, reading each patient's last
contact (results, recorded doses, procedures, discussed MDT reviews) in a fixed number of
queries however many patients there are.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event

from mdt_desktop.services.outcomes import OutcomeService
from tests.ehr_cohort import AS_OF, Case, cohort, write


@pytest.fixture
def audit(db, config):
    write(db, cohort())
    return OutcomeService(db, config).audit(as_of=AS_OF)


def test_the_audit_of_the_stored_cohort_gives_the_figures_worked_out_by_hand(audit):
    figures = audit.as_json()
    # tests/domain/test_ehr_cohort.py works each figure out.
    assert figures["de_escalations"] == 10  # EHR07 and EHR08 only started maintenance
    assert (figures["evaluable_12m"], figures["maintained_12m"]) == (5, 2)
    assert figures["maintained_12m_pct"] == 40.0
    assert figures["median_months_to_failure"] == 4.93  # 150 days / 30.4375
    assert figures["failure_reasons"] == {
        "re_escalation": 1,
        "trial_enrolment": 0,
        "steroids": 1,
        "surgery": 0,
        "stopped": 1,
    }
    assert (figures["re_escalated"], figures["recaptured"]) == (1, 1)
    assert figures["censored"] == {
        "followed_to_audit_date": 1,
        "stopped_other_reason": 2,
        "stop_reason_not_recorded": 1,
        "lost_to_follow_up": 1,
        "route_changed": 1,
    }
    assert figures["censored_stop_reasons"] == {"adverse_event": 1, "pregnancy": 1}
    assert figures["lost_to_follow_up"] == 1
    km = {p["month"]: p for p in figures["km"]}
    assert (km[3]["survival"], km[3]["lower"], km[3]["upper"], km[3]["at_risk"]) == (
        0.9,
        0.473,
        0.9853,
        8,
    )
    assert (km[6]["survival"], km[6]["lower"], km[6]["upper"]) == (0.7714, 0.3449, 0.9387)
    assert (km[12]["survival"], km[12]["lower"], km[12]["upper"]) == (0.5786, 0.1533, 0.8524)
    lost = next(e for e in audit.episodes if e.hospital_number == "EHR06")
    # The last contact is the injection recorded on 24 Sep 2025; the meeting of 2 Mar 2026
    # listed the case but did not discuss it, so it is not a contact.
    assert lost.censored_on == date(2025, 9, 24)


def test_splits_carry_the_censoring_too(audit):
    by_drug = {label: f.as_json() for label, f in audit.by_drug.items()}
    assert set(by_drug) == {"Infliximab IV", "Adalimumab"}  # EHR09's episode began on IV
    assert by_drug["Adalimumab"]["censored"]["lost_to_follow_up"] == 1  # EHR06
    assert by_drug["Infliximab IV"]["censored"]["route_changed"] == 1  # EHR09
    document = audit.as_json()
    assert document["by_diagnosis"]["Ulcerative colitis"]["de_escalations"] == 2  # EHR03, 09


def test_a_discussed_review_is_a_contact(db, config):
    """EHR06 discussed at the MDT of 2 Mar 2026: seen 267 days before the audit date (8.8
    months, not > 9), so followed to the audit date instead of lost."""
    cases = cohort()
    lost = next(c for c in cases if c.number == "EHR06")
    discussed = Case(lost.record, reviews=(date(2026, 3, 2),))
    write(db, [discussed])
    (episode,) = OutcomeService(db, config).audit(as_of=AS_OF).episodes
    assert episode.censor_reason.value == "followed_to_audit_date"


def _statements(db, config, cases) -> int:
    write(db, cases)
    seen: list[str] = []
    engine = db.engine

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        OutcomeService(db, config).audit(as_of=AS_OF)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_the_number_of_queries_does_not_grow_with_the_patients(tmp_path, config):
    from mdt_desktop.models.db import open_database

    counts = []
    for size in (3, 12):  # both with a re-escalation (EHR10): its recapture window is read too
        database = open_database(tmp_path / f"q{size}.sqlite3")
        try:
            counts.append(_statements(database, config, cohort()[-size:]))
        finally:
            database.close()
    assert counts[0] == counts[1]
