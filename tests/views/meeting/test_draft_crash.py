"""Text typed in a decision survives the program being killed (kill -9) two seconds later."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mdt_desktop.drafts import DraftStore

pytestmark = pytest.mark.slow  # kills a subprocess

CHILD = r"""
import sys
from pathlib import Path

from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from mdt_desktop.configuration import clinical_config
from mdt_desktop.drafts import DraftStore
from mdt_desktop.views.meeting.decision_panel import DecisionPanel

app = QApplication([])
panel = DecisionPanel(clinical_config(), [], DraftStore(Path(sys.argv[1])))
panel.keeper.track(lambda: "case 1|user 1")
panel.rationale.setEnabled(True)
panel.show()
QTest.keyClicks(panel.rationale, "Typed just before the crash")
print("typed", flush=True)
app.exec()  # runs until killed: nothing saves the text except the draft keeper
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_draft_typed_two_seconds_before_kill_minus_nine_is_offered_back(tmp_path: Path):
    folder = tmp_path / "drafts"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(folder)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "typed"
        typed_at = time.monotonic()
        store = DraftStore(folder)
        while store.load("case 1|user 1") is None and time.monotonic() - typed_at < 2.0:
            time.sleep(0.02)  # waiting on another process, not on our own event loop
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=10)
        if child.stdout is not None:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    draft = DraftStore(folder).load("case 1|user 1")
    assert draft is not None, "no draft within 2 s of the last keystroke"
    assert draft.fields["rationale"] == "Typed just before the crash"
    assert not list(folder.glob("*.tmp")), "no half-written draft file is left behind"
