"""The same program on PostgreSQL (sites with many users), against a real server.

Runs when MDT_TEST_POSTGRES_URL points at a server where the user may create databases
(.ci/run starts one when it can); each test gets a fresh database that is dropped afterwards.
"""

import json
import os
import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from mdt_desktop.demo import demo_now
from mdt_desktop.demo.cohort import meeting_calendar, plan_cohort
from mdt_desktop.demo.meetings import build_meetings
from mdt_desktop.demo.simulate import simulate
from mdt_desktop.demo.writer import write_demo
from mdt_desktop.domain.access import SYSTEM
from mdt_desktop.models.db import NotOurDatabaseError, open_database
from mdt_desktop.services.audit import record_audit, verify_chain
from mdt_desktop.services.integrity import check_database
from mdt_desktop.services.json_views import meeting_json
from mdt_desktop.services.meetings import MeetingService
from tests.conftest import AS_OF
from tests.factories import insert_patient

SERVER = os.environ.get("MDT_TEST_POSTGRES_URL")
GO_LIVE = datetime(2026, 7, 1, 8, 0)
NOW = demo_now(AS_OF)
pytestmark = [
    pytest.mark.slow,  # a PostgreSQL server, concurrent sessions
    pytest.mark.skipif(not SERVER, reason="MDT_TEST_POSTGRES_URL is not set"),
]


@pytest.fixture
def pg_url() -> Iterator[str]:
    assert SERVER
    name = f"mdt_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(SERVER).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_fresh_server_database_is_migrated_and_checked(pg_url):
    database = open_database(url=pg_url)
    try:
        with database.write() as session:
            record_audit(session, SYSTEM, "create", "patient", 1)
        report = check_database(database)
    finally:
        database.close()
    assert report.ok
    assert report.audit_rows == 1
    assert "***" in report.location or "@" not in report.location  # no password shown


def test_audit_rows_are_append_only_on_the_server(pg_url):
    database = open_database(url=pg_url)
    try:
        with database.write() as session:
            record_audit(session, SYSTEM, "create", "patient", 1)
        for statement in ("UPDATE audit_events SET reason = 'x'", "DELETE FROM audit_events"):
            with pytest.raises(DBAPIError, match="append-only"), database.write() as session:
                session.execute(text(statement))
    finally:
        database.close()


def test_constraints_hold_on_the_server(pg_url):
    database = open_database(url=pg_url)
    try:
        with (
            pytest.raises(IntegrityError, match="ck_patients_sex_valid"),
            database.write() as session,
        ):
            insert_patient(session, sex="f")
    finally:
        database.close()


def test_someone_elses_server_database_is_refused(pg_url):
    engine = create_engine(pg_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE stock (drug text)"))
    engine.dispose()
    with pytest.raises(NotOurDatabaseError, match="holds tables stock"):
        open_database(url=pg_url)


def test_the_demo_reads_the_same_on_both_backends(pg_url, demo_master, config):
    """Write the demo's records into PostgreSQL and compare a meeting with the SQLite file."""
    cal = meeting_calendar(AS_OF)
    plans = plan_cohort(40, 11, cal, config)
    records = [simulate(plan, cal, 11, config) for plan in plans]
    meetings = build_meetings(plans, records, cal, config, 11)
    server = open_database(url=pg_url)
    local = open_database(demo_master.parent / "pg-compare.sqlite3")
    try:
        for database in (server, local):
            write_demo(
                database, records, meetings, go_live=GO_LIVE, now=NOW, meta={}, config=config
            )
        month = AS_OF.strftime("%Y-%m")
        docs = [
            json.dumps(meeting_json(MeetingService(d, config).find(month)), sort_keys=True)
            for d in (server, local)
        ]
        with server.read() as session:
            chain = verify_chain(session)
    finally:
        server.close()
        local.close()
    assert docs[0] == docs[1]
    assert chain.intact


def test_snapshots_and_positions_are_locked_on_the_server(pg_url, config):
    """Schema 0003's triggers on PostgreSQL: snapshots append-only, positions follow sign-off."""
    cal = meeting_calendar(AS_OF)
    plans = plan_cohort(30, 5, cal, config)
    records = [simulate(plan, cal, 5, config) for plan in plans]
    meetings = build_meetings(plans, records, cal, config, 5)
    server = open_database(url=pg_url)
    try:
        write_demo(server, records, meetings, go_live=GO_LIVE, now=NOW, meta={}, config=config)
        signed = MeetingService(server, config).get(
            MeetingService(server, config).find_id("2026-10")
        )
        case = next(c for c in signed.cases if c.decision is not None)
        position = text(
            "INSERT INTO decision_positions (decision_id, clinician_id, role, position, comment, "
            "recorded_by_id, recorded_at) VALUES (:d, :c, 'ibd_nurse', 'agree', '', :c, now())"
        )
        with pytest.raises(DBAPIError, match="signed-off MDT meeting"), server.write() as session:
            session.execute(position, {"d": case.decision.id, "c": signed.chair_id})
        with server.write() as session:
            session.execute(
                text(
                    "INSERT INTO case_snapshots (case_review_id, meeting_id, taken_at, "
                    "format_version, payload, digest) SELECT :case, :meeting, now(), 1, '{}', "
                    "'0' WHERE NOT EXISTS (SELECT 1 FROM case_snapshots WHERE case_review_id = "
                    ":case)"
                ),
                {"case": case.id, "meeting": signed.id},
            )
        for statement in ("UPDATE case_snapshots SET digest = 'x'", "DELETE FROM case_snapshots"):
            with pytest.raises(DBAPIError, match="append-only"), server.write() as session:
                session.execute(text(statement))
    finally:
        server.close()
