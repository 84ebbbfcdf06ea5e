"""Drug-level details on the case plots: hollow non-trough levels, the proposed de-escalated
regimen and its review date on the dose strip, and their key entries (headless, Agg).

The record is the one of test_case_plots: infliximab 5 mg/kg q8w from 1 May 2026 (doses on
26 Jun and 21 Aug), with a level of 8.8 on 6 Aug (41 days into the interval: not a trough); some
tests add one of 5.5 on the infusion day of 21 Aug (a trough).
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pytest
from matplotlib.patches import Rectangle

from mdt_desktop.domain.enums import Analyte, DoseUnit, Drug, Outcome
from mdt_desktop.domain.records import Decision, PlannedCheck
from mdt_desktop.domain.regimens import Regimen
from mdt_desktop.plots.artists import HOLLOW_FACE
from mdt_desktop.plots.case_data import (
    FUTURE_MAX_FRACTION,
    PlannedRegimen,
    TimeWindow,
    date_number,
    planned_regimen,
)
from mdt_desktop.plots.fitted_text import FittedLabel
from mdt_desktop.plots.key import key_entries
from mdt_desktop.plots.levels import NON_TROUGH
from mdt_desktop.plots.style import PRESENTATION, PRINT, SCREEN
from tests.plots.test_case_plots import MEETING, RECORD, TROUGH, drawn, obs, plot_data

ON_DOSE_DAY = obs(Analyte.INFLIXIMAB_LEVEL, date(2026, 8, 21), 5.5)
WITH_TROUGH = dataclasses.replace(RECORD, observations=(*RECORD.observations, ON_DOSE_DAY))


def target() -> Regimen:
    return Regimen(Drug.INFLIXIMAB_IV, 5.0, DoseUnit.MG_PER_KG, 70)


PLAN = PlannedRegimen(target(), date(2026, 12, 9), date(2027, 6, 9))


def decision(**changes):
    base = Decision(
        id=1,
        outcome=Outcome.DE_ESCALATE,
        rationale="In remission.",
        decided_by="Dr Chair",
        decided_at=datetime(2026, 11, 25, 15, 0),
        target_regimen=target(),
        effective_date=date(2026, 12, 9),
        monitoring=(PlannedCheck("FCP and CRP at 3 months", date(2027, 3, 10), ("crp",)),),
        next_review=date(2027, 6, 9),
    )
    return dataclasses.replace(base, **changes)


# --- non-trough levels ------------------------------------------------------------------------


def test_a_level_that_is_not_a_trough_is_drawn_hollow(config):
    axes, points, _ = drawn(config, record=WITH_TROUGH)
    (hollow,) = [line for line in axes.level.lines if line.get_gid() == NON_TROUGH]
    assert TROUGH.value in list(hollow.get_ydata())
    assert ON_DOSE_DAY.value not in list(hollow.get_ydata())  # a trough stays filled
    assert 0.4 not in list(hollow.get_ydata())  # "<0.4" keeps its hollow triangle
    assert hollow.get_markerfacecolor() == HOLLOW_FACE
    assert hollow.get_marker() == "o"
    trough = next(p for p in points if p.text.startswith("Infliximab level: 5.5"))
    assert "Within the target of 3–7 µg/mL [S28, S27]" in trough.text
    assert "Trough: on the day of the infusion (21 Aug 2026), before it" in trough.text


def test_the_key_explains_the_hollow_marker(config):
    labels = [e.label for e in key_entries(plot_data(config, record=WITH_TROUGH), SCREEN)]
    assert "Not a trough" in labels
    only_troughs = dataclasses.replace(
        WITH_TROUGH,
        observations=tuple(
            o
            for o in WITH_TROUGH.observations
            if o.analyte is not Analyte.INFLIXIMAB_LEVEL or o is ON_DOSE_DAY
        ),
    )
    assert "Not a trough" not in [
        e.label for e in key_entries(plot_data(config, record=only_troughs), SCREEN)
    ]


def test_hover_of_an_antibody_says_when_it_was_taken(config):
    _, points, _ = drawn(config)
    negative = next(p for p in points if p.text.startswith("Anti-drug antibodies: not detected"))
    assert "Assay: TEST ATI ELISA" in negative.text
    assert "not a trough: 41 days after the infusion of 26 Jun 2026" in negative.text


# --- the proposed regimen on the dose strip ------------------------------------------------------


def test_planned_regimen_from_a_decision():
    assert planned_regimen(decision()) == PLAN
    first_check = planned_regimen(decision(next_review=None))
    assert first_check == PlannedRegimen(
        target(), date(2026, 12, 9), date(2027, 3, 10), "First re-check"
    )
    assert planned_regimen(decision(outcome=Outcome.CONTINUE_INTENSIFIED)) is None
    assert planned_regimen(None) is None


def test_the_axis_runs_on_to_the_review_date(config):
    plain = plot_data(config)
    planned = plot_data(config, plan=PLAN)
    assert plain.shown_until == MEETING
    assert planned.shown_until == PLAN.review
    assert planned.xlim[0] == plain.xlim[0]
    assert planned.xlim[1] > date_number(PLAN.review)


def test_a_far_review_is_capped_and_named_at_the_edge(config):
    far = dataclasses.replace(PLAN, review=date(2029, 1, 1))
    data = plot_data(config, plan=far, window=TimeWindow.ONE_YEAR)
    cap = (MEETING - data.start).days * FUTURE_MAX_FRACTION
    assert (data.shown_until - MEETING).days == round(cap)
    axes, _, _ = drawn(config, plan=far, window=TimeWindow.ONE_YEAR)
    label = next(a for a in axes.strip.texts if a.get_gid() == "proposal:review-label")
    assert isinstance(label, FittedLabel)
    assert label.fitted is not None
    assert label.fitted.endswith("→")
    assert not [line for line in axes.strip.lines if line.get_gid() == "proposal:review"]


@pytest.mark.parametrize("style", [SCREEN, PRESENTATION, PRINT], ids=["screen", "room", "print"])
def test_strip_marks_the_proposed_regimen_and_its_review(config, style):
    axes, points, canvas = drawn(config, plan=PLAN, style=style)
    strip = axes.strip
    (bar,) = [p for p in strip.patches if p.get_gid() == "proposal:regimen"]
    assert isinstance(bar, Rectangle)
    assert bar.get_hatch()
    assert bar.get_x() == pytest.approx(date_number(PLAN.start))
    assert bar.get_x() + bar.get_width() == pytest.approx(date_number(PLAN.review))
    (review,) = [line for line in strip.lines if line.get_gid() == "proposal:review"]
    assert list(review.get_xdata()) == pytest.approx([date_number(PLAN.review)] * 2)
    labels = [a for a in strip.texts if isinstance(a, FittedLabel)]
    bar_label = next(a for a in labels if a.box[0] == pytest.approx(bar.get_x()))
    review_label = next(a for a in labels if a.get_gid() == "proposal:review-label")
    assert bar_label.fitted is not None
    assert "q10w" in bar_label.fitted
    assert review_label.fitted is not None
    assert review_label.fitted.startswith("Review")
    if style is SCREEN:
        assert (bar_label.fitted, review_label.fitted) == ("IFX 5 mg/kg q10w", "Review 09 Jun 2027")
    renderer = canvas.get_renderer()
    texts = [a for a in labels if a.fitted]
    boxes = [t.get_window_extent(renderer) for t in texts]
    for i, first in enumerate(boxes):  # no label covers another
        for second in boxes[i + 1 :]:
            assert not first.overlaps(second)
    hover = next(p for p in points if p.text.startswith("Proposed: Infliximab IV"))
    assert "Review 09 Jun 2027" in hover.text


def test_the_key_lists_the_proposed_regimen_only_with_one(config):
    assert "Proposed regimen" in [
        e.label for e in key_entries(plot_data(config, plan=PLAN), SCREEN)
    ]
    assert "Proposed regimen" not in [e.label for e in key_entries(plot_data(config), SCREEN)]


def test_no_data_is_drawn_after_the_meeting(config):
    """The axis runs on for the proposal; the results still end at the meeting."""
    axes, _, _ = drawn(config, plan=PLAN)
    meeting = date_number(MEETING)
    for ax in axes.panels()[:-1]:
        xs = [float(x) for line in ax.lines for x in line.get_xdata()]
        assert all(x <= meeting for x in xs if x > 1)  # x <= 1: axes fractions of bands
