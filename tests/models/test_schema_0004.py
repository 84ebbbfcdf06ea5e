"""Schema 0004 on a database written by the previous version (0003).

Antibody results stored against a route ("infliximab_iv") become the molecule; medication periods
keep their rows and gain the stop reason as sent; single doses and pregnancy become storable; a
result keeps its reference range; doses given have a table of their own (docs/clinical.md,
"One drug identity" and "Medication episodes").
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date, datetime

import pytest
from sqlalchemy import select, text

from mdt_desktop.models import AdministrationRow, MedicationPeriodRow, ObservationRow
from mdt_desktop.models import db as dbmodule
from mdt_desktop.models.db import open_database
from tests.factories import NOW, insert_observation, insert_patient


@pytest.fixture
def written_by_0003(tmp_path, monkeypatch):
    """A database at schema 0003 with antibodies against 'infliximab_iv' and one period."""
    old = tmp_path / "migrations"
    shutil.copytree(dbmodule.MIGRATIONS, old, ignore=shutil.ignore_patterns("__pycache__"))
    for script in (old / "versions").glob("0004_*.py"):
        script.unlink()
    path = tmp_path / "site.sqlite3"
    with monkeypatch.context() as patch:
        patch.setattr(dbmodule, "MIGRATIONS", old)
        patch.setattr(dbmodule, "SCHEMA_HEAD", "0003")
        database = open_database(path)
        with database.write() as session:
            patient = insert_patient(session)
            insert_observation(
                session,
                patient,
                analyte="anti_drug_antibodies",
                value=8.0,
                unit="U/mL",
                original_value="8",
                original_unit="U/mL",
                target_drug="infliximab_iv",
            )
            insert_observation(
                session,
                patient,
                analyte="anti_drug_antibodies",
                value=20.0,
                unit="ng/mL",
                original_value="20",
                original_unit="ng/mL",
                collected_at=datetime(2026, 1, 2, 9, 0),
                target_drug="adalimumab",
            )
            session.execute(
                text(
                    "INSERT INTO medication_periods (patient_id, drug, dose_value, dose_unit, "
                    "interval_days, start_date, end_date, phase, reason, end_reason, source, "
                    "created_at) VALUES (:p, 'infliximab_iv', 5, 'mg/kg', 42, '2025-01-06', "
                    "'2025-07-21', 'maintenance', 'Imported', 'adverse_event', 't', :now)"
                ),
                {"p": patient, "now": NOW},
            )
        database.close()
    _signed_off_meeting(path)
    raw = sqlite3.connect(path)
    columns = {r[1] for r in raw.execute("PRAGMA table_info(observations)")}
    raw.close()
    assert "reference_range" not in columns  # really the old schema
    return path


def _signed_off_meeting(path):
    """A meeting with one decided case and a position, then signed off (raw SQL, as 0003)."""
    raw = sqlite3.connect(path)
    now = "2026-01-01 09:00:00"
    raw.executescript(
        f"""
        INSERT INTO clinicians (id, name, role, active, is_demo, created_at)
            VALUES (1, 'Dr Chair', 'ibd_consultant', 1, 0, '{now}');
        INSERT INTO meetings (id, meeting_date, chair_id, status, location, created_at)
            VALUES (1, '2026-01-28', 1, 'in_progress', '', '{now}');
        INSERT INTO case_reviews (id, meeting_id, patient_id, position, status, added_reason,
            created_at) VALUES (1, 1, 1, 1, 'discussed', '', '{now}');
        INSERT INTO decisions (id, case_review_id, outcome, rationale, dissent, monitoring,
            decided_by_id, decided_at, amendment_reason)
            VALUES (1, 1, 'continue_intensified', 'Active disease', '', '[]', 1, '{now}', '');
        INSERT INTO decision_positions (id, decision_id, clinician_id, role, position, comment,
            recorded_by_id, recorded_at)
            VALUES (1, 1, 1, 'ibd_consultant', 'agree', '', 1, '{now}');
        UPDATE meetings SET status = 'signed_off', signed_off_at = '{now}', signed_off_by_id = 1
            WHERE id = 1;
        """
    )
    raw.commit()
    raw.close()


def test_the_upgrade_keeps_the_sign_off_locks_of_decisions_and_positions(written_by_0003):
    # SQLite rebuilds the decisions table to allow "re_escalate": its lock and the positions'
    # lock (which names it) must come back exactly.
    open_database(written_by_0003).close()
    raw = sqlite3.connect(written_by_0003)
    try:
        for statement in (
            "UPDATE decisions SET rationale = 'changed' WHERE id = 1",
            "DELETE FROM decisions WHERE id = 1",
            "UPDATE decision_positions SET position = 'disagree' WHERE id = 1",
            "INSERT INTO decisions (case_review_id, outcome, rationale, dissent, monitoring, "
            "decided_by_id, decided_at, amendment_reason) VALUES (1, 'other', 'x', '', '[]', 1, "
            "'2026-01-02', '')",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="signed-off MDT meeting"):
                raw.execute(statement)
        assert raw.execute("SELECT rationale FROM decisions").fetchone()[0] == "Active disease"
        # The new outcome is storable (on an open meeting) and needs its target regimen.
        raw.execute(
            "INSERT INTO meetings (id, meeting_date, chair_id, status, location, created_at) "
            "VALUES (2, '2026-02-25', 1, 'planned', '', '2026-02-01')"
        )
        raw.execute(
            "INSERT INTO case_reviews (id, meeting_id, patient_id, position, status, "
            "added_reason, created_at) VALUES (2, 2, 1, 1, 'pending', '', '2026-02-01')"
        )
        with pytest.raises(sqlite3.IntegrityError, match="de_escalation_has_target"):
            raw.execute(
                "INSERT INTO decisions (case_review_id, outcome, rationale, dissent, monitoring, "
                "decided_by_id, decided_at, amendment_reason) VALUES (2, 're_escalate', 'Flare', "
                "'', '[]', 1, '2026-02-25', '')"
            )
    finally:
        raw.close()


def test_the_upgrade_keeps_every_row_and_names_the_molecule(written_by_0003):
    database = open_database(written_by_0003)
    try:
        with database.read() as session:
            targets = sorted(session.scalars(select(ObservationRow.target_drug)))
            assert targets == ["adalimumab", "infliximab"]
            assert session.scalars(select(ObservationRow.reference_range)).all() == [None, None]
            (period,) = session.scalars(select(MedicationPeriodRow))
            assert (period.end_reason, period.end_reason_detail) == ("adverse_event", "")
        with database.write() as session:
            period = session.scalars(select(MedicationPeriodRow)).one()
            period.phase, period.end_reason = "single_dose", "pregnancy"
            session.add(
                AdministrationRow(
                    patient_id=period.patient_id,
                    drug="infliximab_iv",
                    given_on=date(2025, 1, 6),
                    dose_value=5,
                    dose_unit="mg/kg",
                    source="t",
                    created_at=NOW,
                )
            )
    finally:
        database.close()
    check = sqlite3.connect(written_by_0003)
    assert check.execute("PRAGMA foreign_key_check").fetchall() == []
    assert check.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0004"
    check.close()
