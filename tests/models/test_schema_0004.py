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
    raw = sqlite3.connect(path)
    columns = {r[1] for r in raw.execute("PRAGMA table_info(observations)")}
    raw.close()
    assert "reference_range" not in columns  # really the old schema
    return path


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
