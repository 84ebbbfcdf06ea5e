"""Every marker explained in the key and in the hover; text from people and feeds stays text.

The record is the one of test_case_plots (infliximab 5 mg/kg q8w, calprotectin and CRP), with
adalimumab 40 mg every 14 days added from 1 Sep 2026 and its level of 6.2 µg/mL on 1 Oct 2026.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

from mdt_desktop.domain.enums import Analyte, Comparator, DoseUnit, Drug, Interpretation
from mdt_desktop.domain.records import Annotation, MedicationPeriod
from mdt_desktop.plots.key import key_entries
from mdt_desktop.plots.labels import HOVER_WIDTH, isolated, wrapped
from mdt_desktop.plots.levels import annotation_lines
from mdt_desktop.plots.style import SCREEN
from tests.plots.test_case_plots import PATIENT, RECORD, TROUGH, drawn, obs, plot_data

FSI, PDI = "\u2068", "\u2069"
ADALIMUMAB = MedicationPeriod(7001, Drug.ADALIMUMAB, 40, DoseUnit.MG, 14, date(2026, 9, 1), None)
ADA_LEVEL = obs(Analyte.ADALIMUMAB_LEVEL, date(2026, 10, 1), 6.2)
BOTH = dataclasses.replace(
    RECORD,
    medications=(*RECORD.medications, ADALIMUMAB),
    observations=(*RECORD.observations, ADA_LEVEL),
)


def entries(config, record):
    return {e.label: e for e in key_entries(plot_data(config, record=record), SCREEN)}


# --- the key ----------------------------------------------------------------------------------


def test_the_key_names_the_filled_circle_and_the_adalimumab_square(config):
    found = entries(config, BOTH)
    assert found["Result"].marker == "o"  # calprotectin, CRP and infliximab levels
    assert found["Adalimumab trough"].marker == "s"
    assert found["Adalimumab trough"].face == found["Result"].face  # both filled
    assert "Infliximab trough" not in found  # the circle already says it: a result


def test_only_adalimumab_levels_and_no_other_result_lists_only_the_square(config):
    only = dataclasses.replace(
        RECORD, medications=(ADALIMUMAB,), observations=(ADA_LEVEL,), events=()
    )
    found = entries(config, only)
    assert "Adalimumab trough" in found
    assert "Result" not in found  # no filled circle is drawn


def test_bounds_only_draw_no_filled_circle(config):
    bounds = (
        obs(Analyte.FAECAL_CALPROTECTIN, date(2026, 3, 1), 20, Comparator.LT),
        obs(Analyte.CRP, date(2026, 2, 1), 1.0, Comparator.LT),
    )
    only = dataclasses.replace(RECORD, observations=bounds, events=())
    found = entries(config, only)
    assert "Result" not in found
    assert found["Below assay limit"].marker == "v"


def test_the_drawn_key_has_a_square_handle(config):
    axes, _, _ = drawn(config, record=BOTH)
    handles = {item.entry.label: item.handle for item in axes.key}
    assert handles["Adalimumab trough"].get_marker() == "s"
    assert handles["Result"].get_marker() == "o"


# --- the hover --------------------------------------------------------------------------------


def test_each_level_hover_names_its_marker(config):
    _, points, _ = drawn(config, record=BOTH)
    texts = [p.text for p in points]
    ada = next(t for t in texts if t.startswith("Adalimumab level: 6.2"))
    assert "Marker ■ (filled square): adalimumab" in ada
    hollow = next(t for t in texts if t.startswith(f"Infliximab level: {TROUGH.value:g}"))
    assert "Marker ○ (hollow circle): not a trough" in hollow  # 41 days into q8w
    bound = next(t for t in texts if t.startswith("Infliximab level: <0.4"))
    assert "Marker ▽ (hollow triangle): below the assay limit" in bound


# --- text from feeds and people ---------------------------------------------------------------


def test_a_feed_unit_with_dollar_signs_is_drawn_as_written(config):
    """ "$x^{$" would be broken mathtext: drawn literally, and the draw does not fail."""
    odd = obs(
        Analyte.ANTI_DRUG_ANTIBODIES,
        date(2026, 9, 1),
        17.4,
        abnormal_flag="POS",
        assay="ELISA",
        target_drug="infliximab",
    )
    odd = dataclasses.replace(odd, unit="U/mL $x^{$")
    record = dataclasses.replace(RECORD, observations=(*RECORD.observations, odd))
    axes, _, canvas = drawn(config, record=record)  # draws the figure: no mathtext error
    (value,) = [t for t in axes.level.texts if "$x^{$" in t.get_text()]
    assert value.get_text() == "17.4 U/mL $x^{$"
    assert value.get_parse_math() is False
    bar_labels = [t for t in axes.strip.texts if hasattr(t, "candidates")]
    assert bar_labels
    assert all(label.get_parse_math() is False for label in bar_labels)
    assert canvas.get_renderer() is not None


def test_isolated_balances_stray_isolate_marks():
    assert isolated("") == ""
    assert isolated("lab") == f"{FSI}lab{PDI}"
    assert isolated(f"lab{PDI}x") == f"{FSI}labx{PDI}"  # a stray closer would end it early
    assert isolated(f"a{FSI}b") == f"{FSI}a{FSI}b{PDI}{PDI}"  # an opener left open is closed


def test_a_right_to_left_mark_in_a_name_stays_inside_its_isolate():
    note = Annotation(
        id=1,
        observation_id=TROUGH.id,
        analyte=Analyte.INFLIXIMAB_LEVEL,
        observation_value="8.8",
        observation_unit="ug/mL",
        collected_at=TROUGH.collected_at,
        interpretation=Interpretation.ABOVE_TARGET,
        comment="",
        recommendation="",
        pharmacist="Tom\u200fPharm",
        created_at=datetime(2026, 8, 20, 10, 0),
    )
    (line,) = annotation_lines(note)
    assert line == f"Pharmacist ({FSI}Tom\u200fPharm{PDI}, 20 Aug 2026): Above target"


def test_a_400_character_word_wraps_in_the_hover():
    lines = wrapped("x" * 400, "Recommendation: ")
    assert len(lines) == 7  # 16 + 400 = 416 characters, 64 a line: 6 full lines and 32 left
    assert all(line.startswith(FSI) and line.endswith(PDI) for line in lines)
    assert all(len(line) <= HOVER_WIDTH + 2 for line in lines)
    assert "".join(line[1:-1] for line in lines) == "Recommendation: " + "x" * 400


def test_the_source_line_is_isolated(config):
    _, points, _ = drawn(config, record=BOTH)
    ada = next(p.text for p in points if p.text.startswith("Adalimumab level: 6.2"))
    assert f"{FSI}Source: test lab{PDI}" in ada.split("\n")
    assert PATIENT.hospital_number not in ada  # nothing about the patient in a point's hover
