"""Antibodies drawn in their three states, levels below target although not troughs, and single
doses on the dose strip (issue 12), rendered offscreen at the size of a 1366x768 screen.

The record is the one of test_case_plots (infliximab IV 5 mg/kg, every 8 weeks since 1 May
2026), with its antibody results replaced by three HL7 OBX results of one laboratory assay
(OBX-17 "CITYLAB ATI ELISA", unit U/mL), read by domain/antibodies.py:

- 1 Sep 2025, "8" flagged POS (OBX-8): detected.
- 10 Jan 2026, "2.1" flagged N: not detected.
- 10 Apr 2026, "2.1" without a flag, no cut-off configured: unknown.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import same_color
from matplotlib.figure import Figure

from mdt_desktop.domain.antibodies import AntibodyState
from mdt_desktop.domain.enums import Analyte, DoseUnit, Drug, Phase
from mdt_desktop.domain.records import MedicationPeriod
from mdt_desktop.plots.case_data import date_number
from mdt_desktop.plots.case_plots import draw_case, make_case_axes
from mdt_desktop.plots.key import key_entries
from mdt_desktop.plots.levels import ANTIBODY_GIDS, QuestionDisc
from mdt_desktop.plots.strip import SINGLE_DOSE_MARKER, Lane, PeriodKind, classify_periods
from mdt_desktop.plots.style import PALETTE, PRESENTATION, SCREEN
from tests.plots.test_case_plots import RECORD, obs, plot_data

ASSAY = "CITYLAB ATI ELISA"


def ati(day, value, **extra):
    """An antibody result in U/mL, as OBX-6 sends it."""
    found = obs(Analyte.ANTI_DRUG_ANTIBODIES, day, value, assay=ASSAY, **extra)
    return dataclasses.replace(found, unit="U/mL", original_unit="U/mL")


POSITIVE = ati(
    date(2025, 9, 1),
    8.0,
    target_drug="infliximab_iv",  # as an older database stored it
    abnormal_flag="POS",
)
NEGATIVE = ati(date(2026, 1, 10), 2.1, target_drug="infliximab", abnormal_flag="N")
UNREADABLE = ati(date(2026, 4, 10), 2.1, target_drug="infliximab")
LEVELS = tuple(o for o in RECORD.observations if o.analyte is not Analyte.ANTI_DRUG_ANTIBODIES)
THREE = dataclasses.replace(RECORD, observations=(*LEVELS, POSITIVE, NEGATIVE, UNREADABLE))
SCREEN_SIZE = (13.66, 7.68)  # inches at 100 dpi: 1366 x 768 pixels


def render(config, record=THREE, style=SCREEN, png: str | None = None):
    data = plot_data(config, record=record)
    figure = Figure(figsize=SCREEN_SIZE, dpi=100, facecolor="white")
    canvas = FigureCanvasAgg(figure)
    axes = make_case_axes(figure, blood_counts=False, style=style)
    points = draw_case(axes, data, style)
    canvas.draw()
    if png:
        figure.savefig(png)
    return axes, points, data


def by_gid(ax, gid):
    return [line for line in ax.lines if line.get_gid() == gid]


def test_the_three_antibody_states_have_their_own_marks(config):
    axes, _, _ = render(config, png="/tmp/mdt-antibody-states-screen.png")
    ax = axes.level
    (detected,) = by_gid(ax, ANTIBODY_GIDS[AntibodyState.DETECTED])
    (negative,) = by_gid(ax, ANTIBODY_GIDS[AntibodyState.NOT_DETECTED])
    (unknown,) = by_gid(ax, ANTIBODY_GIDS[AntibodyState.UNKNOWN])
    assert list(detected.get_xdata()) == [date_number(POSITIVE.collected_at)]
    assert list(negative.get_xdata()) == [date_number(NEGATIVE.collected_at)]
    assert list(unknown.get_xdata()) == [date_number(UNREADABLE.collected_at)]
    assert detected.get_marker() == "X"
    assert same_color(detected.get_markerfacecolor(), PALETTE.antibody)
    assert negative.get_marker() == "o"
    assert same_color(negative.get_markeredgecolor(), PALETTE.undetected)
    # unknown: a white disc ringed in the text colour with a bold "?" (not grey, not vermillion)
    assert isinstance(unknown, QuestionDisc)
    assert same_color(unknown.get_markerfacecolor(), "white")
    assert same_color(unknown.get_markeredgecolor(), PALETTE.text)
    assert unknown.get_markersize() > negative.get_markersize()
    texts = [t.get_text() for t in ax.texts]
    assert "8 U/mL" in texts  # the detected value, in the result's own unit
    assert "2.1 U/mL" in texts  # the unknown one's value too (the negative's is not shown)
    assert texts.count("2.1 U/mL") == 1


def test_the_hover_names_the_state_and_why(config):
    _, points, _ = render(config)
    hovers = {p.x: p.text for p in points if p.text.startswith("Anti-drug antibodies")}
    assert hovers[date_number(POSITIVE.collected_at)].startswith(
        "Anti-drug antibodies: detected (8 U/mL)\n"
        "\u2068Reading: 8 U/mL: laboratory flag 'POS' [S103]\u2069"  # isolated: feed text in it
    )
    assert (
        "Target drug: infliximab (any route or product)"
        in hovers[date_number(POSITIVE.collected_at)]
    )
    assert hovers[date_number(NEGATIVE.collected_at)].startswith(
        "Anti-drug antibodies: not detected (2.1 U/mL)\n"
        "\u2068Reading: 2.1 U/mL: laboratory flag 'N'"
    )
    unknown = hovers[date_number(UNREADABLE.collected_at)]
    assert unknown.startswith("Anti-drug antibodies: unknown, cannot be read (2.1 U/mL)")
    assert "no positivity cut-off is configured" in unknown


def test_the_key_lists_the_three_states(config):
    _, _, data = render(config)
    entries = {e.label: e for e in key_entries(data, SCREEN)}
    assert {"Antibodies detected", "No antibodies", "Antibodies: unknown"} <= set(entries)
    assert entries["Antibodies: unknown"].shape == "unknown"
    only_negative = dataclasses.replace(RECORD, observations=(*LEVELS, NEGATIVE))
    labels = [e.label for e in key_entries(plot_data(config, record=only_negative), SCREEN)]
    assert "Antibodies: unknown" not in labels
    assert "Antibodies detected" not in labels


def test_the_key_draws_the_unknown_mark_on_a_projector(config):
    axes, _, _ = render(config, style=PRESENTATION, png="/tmp/mdt-antibody-states-room.png")
    discs = [item.handle for item in axes.key if isinstance(item.handle, QuestionDisc)]
    assert len(discs) == 1
    assert Path("/tmp/mdt-antibody-states-room.png").stat().st_size > 0


def test_a_non_trough_level_below_the_band_says_it_is_below_target(config):
    """2.1 ug/mL on 1 Sep 2025, q6w infusions since 1 Mar 2025: 1 Mar + 168 days = 16 Aug
    2025, so 16 days after it and 26 days before the next (27 Sep): not a trough, yet below 3.
    """
    _, points, _ = render(config)
    hover = next(p.text for p in points if p.text.startswith("Infliximab level: 2.1"))
    assert (
        "Below the target of 3–7 µg/mL although not a trough: the trough can only be lower "
        "[S28, S27]"
    ) in hover
    above = next(p.text for p in points if p.text.startswith("Infliximab level: 8.8"))
    assert "Not read against the trough target of 3–7 µg/mL" in above


# --- single doses and induction on the dose strip ----------------------------------------------

RESCUE = MedicationPeriod(
    9001,
    Drug.INFLIXIMAB_IV,
    10,
    DoseUnit.MG_PER_KG,
    1,
    date(2025, 11, 20),
    date(2025, 11, 21),
    Phase.SINGLE_DOSE,
    reason="Rescue infusion for a flare",
)


def test_a_single_dose_is_a_mark_not_a_bar(config):
    record = dataclasses.replace(THREE, medications=(*THREE.medications, RESCUE))
    kinds = classify_periods(record.medications, config.regimens)
    assert kinds[RESCUE] is PeriodKind.SINGLE_DOSE
    assert kinds[record.medications[0]] is PeriodKind.INDUCTION  # phase INDUCTION
    axes, points, data = render(config, record=record, png="/tmp/mdt-single-dose.png")
    strip = axes.strip
    (mark,) = by_gid(strip, "single-dose:single_dose")
    assert mark.get_marker() == SINGLE_DOSE_MARKER
    assert list(mark.get_xdata()) == [date_number(RESCUE.start)]
    bars = [p for p in strip.patches if p.get_gid() == "period:single_dose"]
    assert bars == []
    # the maintenance bar beside it keeps the full lane (no stacking with a one-day period)
    low, high = Lane.BIOLOGIC.extent
    (ongoing,) = [
        p
        for p in strip.patches
        if str(p.get_gid()).startswith("period:")
        and p.get_x() <= date_number(RESCUE.start)
        and p.get_x() + p.get_width() >= date_number(RESCUE.end)
        and low <= p.get_y() < high
    ]
    assert ongoing.get_height() == high - low
    assert mark.get_ydata()[0] == Lane.BIOLOGIC.centre
    hover = next(p.text for p in points if p.text.startswith("Infliximab IV 10 mg/kg\n"))
    assert hover == (
        "Infliximab IV 10 mg/kg\nSingle dose\nGiven 20 Nov 2025\n"
        "\u2068Rescue infusion for a flare\u2069"  # the reason as sent, bidi-isolated
    )
    assert "Single dose" in [e.label for e in key_entries(data, SCREEN)]


def test_an_induction_sent_as_a_maintenance_regimen_is_drawn_as_induction(config):
    """FHIR MedicationStatement "5 mg/kg every 2 weeks" from 1 Feb 2025 to 15 Mar 2025 (42 days,
    within the label's 14 weeks = 98 days plus 7 days of slack, and denser than q8w), then every
    8 weeks: the first is induction on the strip, not a standard-dose bar.
    """
    loading = MedicationPeriod(
        9101, Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 14, date(2025, 2, 1), date(2025, 3, 15)
    )
    maintenance = MedicationPeriod(
        9102, Drug.INFLIXIMAB_IV, 5, DoseUnit.MG_PER_KG, 56, date(2025, 3, 15)
    )
    kinds = classify_periods((loading, maintenance), config.regimens)
    assert kinds[loading] is PeriodKind.INDUCTION
    assert kinds[maintenance] is PeriodKind.STANDARD
