"""Performance figures of MDT Desktop, written as JSON with the floor measured in the same run.

    python benchmarks/run.py [--quick] --json OUT [--db PATH]

Builds (once) a seeded synthetic database of 2,000 patients and about a million observations,
then measures each figure of docs/architecture.md ("Performance budgets"), with p50/p95 and
the floor that bounds it from below (a bare Qt start, a bare matplotlib draw of the same series,
a raw sqlite3 write). ``--quick`` takes fewer samples, never a smaller database. Not a test: nothing
here passes or fails; the numbers go into the closing notes and are compared with the budgets.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
LARGE_PATIENTS = 2000
LARGE_SEED = 42
LARGE_AS_OF = date(2026, 11, 24)
LARGE_DENSITY = 2.6  # about 500 results per patient: ~1,000,000 observations

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")
sys.path.insert(0, str(ROOT))

from benchmarks.imports import hl7_import_times, import_times  # noqa: E402
from benchmarks.minutes import minutes_times  # noqa: E402
from benchmarks.outcomes import audit_times  # noqa: E402
from benchmarks.room import room_times  # noqa: E402
from benchmarks.saves import save_times  # noqa: E402
from benchmarks.signoff import signoff_times  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def summary(
    values: list[float], unit: str, budget: float | None = None, budget_on: str = "p95"
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "unit": unit,
        "n": len(values),
        "p50": round(percentile(values, 0.5), 3),
        "p95": round(percentile(values, 0.95), 3),
        "max": round(max(values), 3),
    }
    if budget is not None:
        result["budget"] = budget
        result["budget_on"] = budget_on
        result["within_budget"] = result[budget_on] <= budget
    return result


def large_database(path: Path) -> dict[str, Any]:
    """Build the benchmark database unless an identical one exists; return its size."""
    from mdt_desktop.configuration import clinical_config
    from mdt_desktop.demo import build_demo

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        build_demo(
            path,
            clinical_config(),
            patients=LARGE_PATIENTS,
            seed=LARGE_SEED,
            as_of=LARGE_AS_OF,
            lab_density=LARGE_DENSITY,
        )
        print(f"built {path} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        patients = raw.execute("SELECT count(*) FROM patients").fetchone()[0]
        observations = raw.execute("SELECT count(*) FROM observations").fetchone()[0]
    finally:
        raw.close()
    return {
        "path": str(path),
        "patients": patients,
        "observations": observations,
        "size_mb": round(path.stat().st_size / 1e6, 1),
    }


# --- start-up -----------------------------------------------------------------------------------


def startup(db: Path, runs: int) -> tuple[list[float], list[float]]:
    """Process start to the first case painted, and a bare Qt window's start as the floor."""
    env = {**os.environ, "MDT_REPORT_READY": "1", "XDG_CONFIG_HOME": str(DATA / "config")}
    app_times: list[float] = []
    floor_times: list[float] = []
    bare = (
        "import time,sys; from PySide6.QtWidgets import QApplication, QLabel; "
        "app = QApplication([]); w = QLabel('x'); w.show(); app.processEvents(); "
        "print('ready', time.time())"
    )
    for _ in range(runs):
        for command, bucket in (
            ([sys.executable, "-m", "mdt_desktop", "--db", str(db)], app_times),
            ([sys.executable, "-c", bare], floor_times),
        ):
            spawned = time.time()
            done = subprocess.run(
                command, capture_output=True, text=True, env=env, timeout=120, check=True, cwd=ROOT
            )
            ready = next(
                float(line.split()[1])
                for line in done.stdout.splitlines()
                if line.startswith("ready ")
            )
            bucket.append(ready - spawned)
    return app_times, floor_times


# --- case switch --------------------------------------------------------------------------------


def case_switch(db: Path, switches: int) -> dict[str, Any]:
    """Click through the current meeting's cases in the real window; time click to painted."""
    from PySide6.QtCore import QEvent, QEventLoop, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from mdt_desktop.configuration import clinical_config
    from mdt_desktop.models.db import open_database
    from mdt_desktop.presenters.meeting.presenter import MeetingPresenter
    from mdt_desktop.services.bundle import meeting_services
    from mdt_desktop.services.roster import RosterService
    from mdt_desktop.views.common.settings import ViewSettings
    from mdt_desktop.views.meeting.main_window import MainWindow, ScreenOptions
    from mdt_desktop.workers import ThreadPoolRunner

    app = QApplication.instance() or QApplication([])
    config = clinical_config()
    database = open_database(db, read_only=True)
    runner = ThreadPoolRunner()
    presenter = MeetingPresenter(meeting_services(database, config), runner)
    window = MainWindow(
        presenter,
        config,
        RosterService(database).clinicians(),
        ViewSettings(DATA / "bench-settings.ini"),
        ScreenOptions("bench", str(db), read_only=True, quiet=True),
    )
    window.resize(1366, 768)
    window.show()
    loop = QEventLoop()
    window.case_painted.connect(loop.quit)
    QTimer.singleShot(60_000, loop.quit)
    started = time.perf_counter()
    window.load()
    loop.exec()
    open_meeting_s = time.perf_counter() - started
    rows = window.proxy.rowCount()
    times: list[float] = []
    rss_before = _rss_mb()
    for i in range(switches):
        row = (i + 1) % rows
        window.table.scrollTo(window.proxy.index(row, 1))
        rect = window.table.visualRect(window.proxy.index(row, 1))
        t0 = time.perf_counter()
        QTest.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        app.processEvents()
        times.append((time.perf_counter() - t0) * 1000)
        # What the application's event loop does between clicks: delete what was let go.
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    growth = _rss_mb() - rss_before
    detail = presenter.current
    floor = _floor_draw(detail, window) if detail else []
    window.close()
    runner.wait()
    database.close()
    return {
        "open_meeting_s": open_meeting_s,
        "cases": rows,
        "times_ms": times,
        "floor_ms": floor,
        "memory_growth_mb": growth,
    }


def _rss_mb() -> float:
    with Path("/proc/self/status").open(encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _floor_draw(detail: Any, window: Any) -> list[float]:
    """A bare matplotlib draw of the same series at the same size: the floor of a case switch."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from mdt_desktop.domain.enums import Analyte

    width, height = window.plots.canvas.width(), window.plots.canvas.height()
    figure = Figure(figsize=(width / 100, height / 100), dpi=100)
    canvas = FigureCanvasAgg(figure)
    axes = figure.subplots(4, 1, sharex=True)
    series = [
        detail.record.series(a)
        for a in (Analyte.FAECAL_CALPROTECTIN, Analyte.CRP, Analyte.INFLIXIMAB_LEVEL)
    ]
    times = []
    for _ in range(30):
        for ax in axes:
            for artist in [*ax.lines, *ax.patches]:
                artist.remove()
        for ax, points in zip(axes, series, strict=False):
            ax.plot([o.collected_at for o in points], [o.value for o in points], marker="o")
        axes[3].barh([0], [365], left=[axes[0].get_xlim()[0]])
        t0 = time.perf_counter()
        canvas.draw()  # type: ignore[no-untyped-call]
        times.append((time.perf_counter() - t0) * 1000)
    return times


# --- speed in the room ---------------------------------------------------------------------------


def room_figures(db: Path, steps: int) -> dict[str, Any]:
    """Presentation next case and main-window case switch as the user waits, beside their floors.

    Within budget when the p95 is at most twice the floor's p50 (the same figures drawn with bare
    matplotlib and repainted, measured in the same run at the same size).
    """
    room = room_times(db, DATA, steps)
    figures: dict[str, Any] = {}
    pairs = (
        ("main_case_switch_ms", "main_switch_ms", "floor_case_figures_ms", "main_floor_ms"),
        (
            "presentation_next_case_ms",
            "presentation_next_ms",
            "floor_presentation_figures_ms",
            "presentation_floor_ms",
        ),
    )
    for name, key, floor_name, floor_key in pairs:
        floor = summary(room[floor_key], "ms")
        figure = summary(room[key], "ms", round(2 * floor["p50"], 3), "p95")
        figure["floor"] = floor_name
        figure["p50_over_floor"] = round(figure["p50"] / floor["p50"], 2)
        figure["p95_over_floor"] = round(figure["p95"] / floor["p50"], 2)
        figures[name], figures[floor_name] = figure, floor
    figures["main_case_jump_ms"] = summary(room["main_jump_ms"], "ms")
    figures["presentation_jump_ms"] = summary(room["presentation_jump_ms"], "ms")
    figures["floor_case_figures_ms"]["canvas_px"] = room["main_canvas"]
    figures["floor_presentation_figures_ms"]["canvas_px"] = room["presentation_canvas"]
    figures["main_case_switch_ms"]["cases"] = room["cases"]
    return figures


def room_summary(figures: dict[str, Any]) -> dict[str, Any]:
    """The room figures' p50 and p95 beside their floors, for the run's summary."""
    keys = (
        "main_case_switch_ms",
        "floor_case_figures_ms",
        "presentation_next_case_ms",
        "floor_presentation_figures_ms",
    )
    return {
        f"{name}_{q}": figures[name][q] for name in keys if name in figures for q in ("p50", "p95")
    }


# --- demo build ---------------------------------------------------------------------------------


def demo_build(runs: int) -> list[float]:
    from mdt_desktop.configuration import clinical_config
    from mdt_desktop.demo import build_demo

    target = DATA / "demo-build.sqlite3"
    times = []
    for _ in range(runs):
        result = build_demo(target, clinical_config(), force=True, as_of=LARGE_AS_OF)
        times.append(result.seconds)
    return times


# --- main ---------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples, same database")
    parser.add_argument("--json", type=Path, required=True, metavar="OUT")
    parser.add_argument("--db", type=Path, default=DATA / "large-2000.sqlite3")
    parser.add_argument(
        "--only",
        choices=["room"],
        help="measure only these figures (room: presentation next case, main-window switch)",
    )
    args = parser.parse_args()
    quick = args.quick
    database = large_database(args.db)
    results: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_before": [round(v, 2) for v in os.getloadavg()],
        },
        "database": database,
        "quick": quick,
        "figures": {},
    }
    figures = results["figures"]
    if args.only == "room":
        step(figures, "room", lambda: room_figures(args.db, 40 if quick else 200))
        figures.update(figures.pop("room"))
        return write(args.json, results, room_summary(figures))
    step(figures, "demo_build_s", lambda: summary(demo_build(2 if quick else 5), "s", 10.0, "p50"))
    app, bare = startup(args.db, 3 if quick else 7)
    figures["startup_s"] = summary(app, "s", 2.0, "p50")
    figures["floor_startup_s"] = summary(bare, "s")
    switch = case_switch(args.db, 100 if quick else 500)
    figures.update(room_figures(args.db, 40 if quick else 200))
    figures["case_switch_ms"] = summary(switch["times_ms"], "ms", 100.0, "p95")
    figures["floor_draw_ms"] = summary(switch["floor_ms"], "ms")
    figures["memory_growth_mb"] = {
        "value": round(switch["memory_growth_mb"], 1),
        "unit": "MB",
        "switches": len(switch["times_ms"]),
        "budget": 50.0,
        "within_budget": switch["memory_growth_mb"] <= 50.0,
    }
    saves = save_times(args.db, 50 if quick else 200)
    figures["save_answer_ms"] = summary(saves["answer"], "ms", 50.0, "p95")
    figures["save_decision_ms"] = summary(saves["decision"], "ms", 50.0, "p95")
    figures["floor_commit_ms"] = summary(saves["floor"], "ms")
    pdf = minutes_times(args.db, 3 if quick else 5)
    figures["minutes_20_cases_s"] = summary(pdf["minutes"], "s", 5.0, "p50")
    figures["floor_reportlab_20_images_s"] = summary(pdf["floor"], "s")
    signed = signoff_times(args.db, 2 if quick else 3, LARGE_AS_OF)
    figures["signoff_20_cases_s"] = summary(signed["signoff"], "s")
    figures["floor_render_20_pngs_s"] = summary(signed["floor"], "s")
    imported = import_times(args.db, 2 if quick else 3)
    figures["import_100k_s"] = summary(imported["import"], "s", 10.0, "p50")
    figures["floor_insert_100k_s"] = summary(imported["floor"], "s")
    figures["import_100k_hl7_s"] = summary(
        hl7_import_times(args.db, 2 if quick else 3), "s", 10.0, "p50"
    )
    audit = audit_times(args.db, 3 if quick else 7, LARGE_AS_OF)
    figures["audit_1000_s"] = summary(audit["audit"], "s", 1.0, "p50")
    figures["audit_1000_s"]["episodes"] = audit["episodes"]
    figures["audit_1000_s"]["synthetic_episodes"] = audit["synthetic"]
    figures["floor_audit_rows_s"] = summary(audit["floor"], "s")
    figures["audit_1000_command_s"] = summary(audit["command"], "s")
    figures["open_meeting_s"] = {
        "value": round(switch["open_meeting_s"], 3),
        "unit": "s",
        "cases": switch["cases"],
    }
    results.update(
        {
            "startup_s": figures["startup_s"]["p50"],
            "case_switch_p50_ms": figures["case_switch_ms"]["p50"],
            "case_switch_p95_ms": figures["case_switch_ms"]["p95"],
            "floor_draw_ms": figures["floor_draw_ms"]["p50"],
            "save_p95_ms": max(
                figures["save_answer_ms"]["p95"], figures["save_decision_ms"]["p95"]
            ),
            "floor_commit_ms": figures["floor_commit_ms"]["p50"],
            "minutes_20_cases_s": figures["minutes_20_cases_s"]["p50"],
            "floor_reportlab_20_images_s": figures["floor_reportlab_20_images_s"]["p50"],
            "signoff_20_cases_s": figures["signoff_20_cases_s"]["p50"],
            "floor_render_20_pngs_s": figures["floor_render_20_pngs_s"]["p50"],
            "import_100k_s": figures["import_100k_s"]["p50"],
            "floor_insert_100k_s": figures["floor_insert_100k_s"]["p50"],
            "import_100k_hl7_s": figures["import_100k_hl7_s"]["p50"],
            "audit_1000_s": figures["audit_1000_s"]["p50"],
            "floor_audit_rows_s": figures["floor_audit_rows_s"]["p50"],
            "audit_1000_command_s": figures["audit_1000_command_s"]["p50"],
        }
    )
    return write(args.json, results, room_summary(figures))


def write(out: Path, results: dict[str, Any], extra: dict[str, Any]) -> int:
    """Write *results* with *extra* summary figures and the load now as JSON; print a summary."""
    results.update(extra)
    results["machine"]["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in results.items() if k != "figures"}, indent=2))
    return 0


def step(figures: dict[str, Any], name: str, measure: Callable[[], dict[str, Any]]) -> None:
    started = time.perf_counter()
    figures[name] = measure()
    print(f"{name}: {figures[name]} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
