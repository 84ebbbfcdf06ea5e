"""Signing off a 20-case meeting (evidence and plot images frozen), on a copy of the large database.

Each run plans a new meeting, lists 20 patients, records attendance and a decision for each,
then times ``SignOffService.sign_off`` alone: checklist freeze, 20 snapshots with their PNG plots
and audit rows, one transaction. The floor is drawing the same 20 plot images to PNG with the
minutes' renderer and nothing else (what freezing the figures cannot go below).
"""

from __future__ import annotations

import io
import shutil
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

CASES = 20


def signoff_times(db: Path, runs: int, as_of: date) -> dict[str, list[float]]:
    """Seconds per 20-case sign-off, and per bare rendering of the 20 PNG plots."""
    from mdt_desktop.configuration import clinical_config
    from mdt_desktop.models.db import open_database
    from mdt_desktop.services.bundle import meeting_services

    config = clinical_config()
    times, floor = [], []
    with tempfile.TemporaryDirectory(prefix="mdt-bench-signoff-") as folder:
        copy = Path(folder) / "signoff.sqlite3"
        shutil.copy(db, copy)
        database = open_database(copy)
        try:
            services = meeting_services(database, config)
            for run in range(runs):
                day = as_of + timedelta(days=63 + 7 * run)
                meeting_id, chair = _ready_meeting(database, config, day, run)
                started = time.perf_counter()
                after = datetime.combine(day, clock_time(17, 0))  # signed off after the meeting
                services.signoff.sign_off(meeting_id, chair, at=after)
                times.append(time.perf_counter() - started)
                floor.append(_render_only(services.meetings.board(meeting_id), config))
        finally:
            database.close()
    return {"signoff": times, "floor": floor}


def _ready_meeting(database: Any, config: Any, day: date, run: int) -> tuple[int, Any]:
    """A meeting on *day* with 20 listed, decided cases and everyone present."""
    from sqlalchemy import select

    from mdt_desktop.domain.access import Actor
    from mdt_desktop.domain.consensus import DecisionInput
    from mdt_desktop.domain.enums import AttendanceStatus, Outcome, Role
    from mdt_desktop.models import PatientRow
    from mdt_desktop.services.decisions import DecisionService
    from mdt_desktop.services.meeting_admin import MeetingAdminService
    from mdt_desktop.services.roster import RosterService

    roster = RosterService(database).clinicians()
    chair = next(c for c in roster if c.role is Role.IBD_CONSULTANT)
    coordinator = next(c for c in roster if c.role is Role.COORDINATOR)
    as_coordinator = Actor(coordinator.id, coordinator.name)
    as_chair = Actor(chair.id, chair.name)
    admin = MeetingAdminService(database, config)
    meeting_id = admin.create_meeting(day, chair.id or 0, as_coordinator)
    with database.read() as session:
        numbers = session.scalars(
            select(PatientRow.hospital_number)
            .order_by(PatientRow.id)
            .offset(CASES * run)
            .limit(CASES)
        ).all()
    cases = [admin.add_candidate(meeting_id, n, as_coordinator) for n in numbers]
    admin.set_attendance(
        meeting_id, {c.id or 0: AttendanceStatus.PRESENT for c in roster}, as_coordinator
    )
    decisions = DecisionService(database)
    for case_id in cases:
        decisions.record(
            case_id, DecisionInput(Outcome.CONTINUE_INTENSIFIED, "Benchmark decision"), as_chair
        )
    return meeting_id, as_chair


def _render_only(board: Any, config: Any) -> float:
    """Seconds to draw the board's plots to PNG with the minutes' renderer, nothing else."""
    from mdt_desktop.reports.figures import PlotRenderer, plot_data

    started = time.perf_counter()
    renderer = PlotRenderer()
    for detail in board.cases:
        buffer = io.BytesIO()
        renderer.render(plot_data(detail, config)).save(buffer, format="PNG", compress_level=1)
    return time.perf_counter() - started
