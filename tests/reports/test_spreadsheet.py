"""The decisions spreadsheet: every cell a spreadsheet could run as a formula is neutralised."""

from __future__ import annotations

import csv

from hypothesis import given
from hypothesis import strategies as st

from mdt_desktop.reports.spreadsheet import FORMULA_STARTS, HEADER, neutralise, write_csv

DANGEROUS = st.sampled_from(FORMULA_STARTS)


@given(st.text())
def test_no_neutralised_cell_starts_like_a_formula(cell):
    assert not neutralise(cell).startswith(FORMULA_STARTS)


@given(DANGEROUS, st.text())
def test_a_formula_keeps_its_text_behind_an_apostrophe(start, rest):
    cell = start + rest
    assert neutralise(cell) == "'" + cell


@given(st.text().filter(lambda s: not s.startswith(FORMULA_STARTS)))
def test_harmless_cells_are_unchanged(cell):
    assert neutralise(cell) == cell


@given(st.lists(st.lists(st.text(), min_size=3, max_size=3), max_size=5))
def test_what_is_written_reads_back_cell_for_cell(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("csv") / "out.csv"
    safe = [[neutralise(c) for c in row] for row in rows]
    write_csv(safe, path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        read = list(csv.reader(handle))
    assert read == safe
    for row in read:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS)


def test_the_demo_meetings_rows(demo_master, config, tmp_path):
    from mdt_desktop.models.db import open_database
    from mdt_desktop.reports.spreadsheet import decision_rows
    from mdt_desktop.services.meetings import MeetingService

    db = open_database(demo_master, read_only=True)
    service = MeetingService(db, config)
    board = service.board(service.find_id("2026-10"))
    db.close()
    rows = decision_rows(board)
    assert rows[0] == list(HEADER)
    actions = sum(max(1, len(d.case.actions)) for d in board.cases)
    assert len(rows) == 1 + actions
    numbers = {row[2] for row in rows[1:]}
    assert numbers == {d.case.patient.hospital_number for d in board.cases}
