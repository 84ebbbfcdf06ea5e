"""The outcome audit plots, headless (Agg): the Kaplan–Meier figure and the failure reasons."""

from __future__ import annotations

import io
import itertools
from datetime import date, timedelta

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from PIL import Image

from mdt_desktop.domain.enums import DoseUnit, Drug, Evidence, IbdType
from mdt_desktop.domain.outcome_audit import AuditFigures, summarise
from mdt_desktop.domain.outcomes import Episode, FailureReason, OutcomeRules
from mdt_desktop.domain.published import PublishedResult, StudyKind, Timing
from mdt_desktop.domain.regimens import Regimen
from mdt_desktop.plots.outcomes import (
    TABLE_MONTHS,
    SurvivalAxes,
    censor_times,
    draw_failure_reasons,
    draw_survival,
    failure_reasons_figure,
    make_survival_axes,
    survival_figure,
)
from mdt_desktop.plots.published_marks import mark_label
from mdt_desktop.plots.style import PRESENTATION, PRINT, SCREEN

START = date(2024, 1, 1)
RULES = OutcomeRules()
DAY = 30.4375  # days a month


def episode(number: int, months: float, reason: FailureReason | None, drug=Drug.INFLIXIMAB_IV):
    """An episode failing (or censored, *reason* None) after *months*."""
    if drug is Drug.INFLIXIMAB_IV:
        before = Regimen(drug, 5.0, DoseUnit.MG_PER_KG, 28)
        after = Regimen(drug, 5.0, DoseUnit.MG_PER_KG, 56)
    else:
        before = Regimen(drug, 40.0, DoseUnit.MG, 7)
        after = Regimen(drug, 40.0, DoseUnit.MG, 14)
    end = START + timedelta(days=round(months * DAY))
    failed = reason is not None
    return Episode(
        f"T{number}",
        IbdType.CROHNS,
        drug,
        START,
        before,
        after,
        end,
        end if failed else None,
        reason,
    )


def cohort() -> list[Episode]:
    """20 episodes: 6 failures within 12 months, one later, the rest censored 5..24 months."""
    failures = [
        (2.0, FailureReason.RE_ESCALATION),
        (3.0, FailureReason.STEROIDS),
        (5.0, FailureReason.RE_ESCALATION),
        (7.5, FailureReason.SURGERY),
        (9.0, FailureReason.RE_ESCALATION),
        (11.0, FailureReason.STOPPED),
        (16.0, FailureReason.RE_ESCALATION),
    ]
    found = [episode(i, m, r) for i, (m, r) in enumerate(failures)]
    censored = [5.0, 8.0, 12.5, 13.0, 14.0, 15.0, 18.0, 20.0, 22.0, 24.0, 26.0, 30.0, 36.0]
    found += [episode(100 + i, m, None, Drug.ADALIMUMAB) for i, m in enumerate(censored)]
    return found


def published() -> tuple[PublishedResult, ...]:
    """Four results close together at 12 months (their labels must not overlap) and one at 24."""

    def result(key, label, maintained, months=12.0, timing=Timing.AT):
        return PublishedResult(
            key,
            f"{label} (long label)",
            label,
            maintained,
            "as reported",
            months,
            StudyKind.COHORT,
            ("S38",),
            Evidence.VERIFIED,
            timing,
            25,
        )

    return (
        result("a", "Little et al.", 0.64),
        result("b", "Baert et al.", 0.63, timing=Timing.OVER_FOLLOW_UP),
        result("c", "Spanish cohort", 0.667, timing=Timing.OVER_FOLLOW_UP),
        result("d", "Zhang et al. MA", 0.713),
        result("e", "Zhang et al. MA", 0.616, months=24.0),
    )


@pytest.fixture(scope="module")
def figures() -> AuditFigures:
    return summarise(cohort(), RULES)


@pytest.fixture
def drawn(figures) -> tuple[Figure, SurvivalAxes]:
    figure = Figure(figsize=(7.0, 4.6))
    FigureCanvasAgg(figure)
    axes = make_survival_axes(figure, PRINT)
    draw_survival(axes, [("All de-escalations", figures)], published(), PRINT)
    figure.canvas.draw()
    return figure, axes


def _step_line(axes: SurvivalAxes, index: int = 0) -> Line2D:
    lines = [line for line in axes.curve.lines if line.get_drawstyle() == "steps-post"]
    return lines[index]


def test_the_step_curve_follows_the_kaplan_meier_estimate(drawn, figures):
    _, axes = drawn
    line = _step_line(axes)
    xs = np.asarray(line.get_xdata(), dtype=float)
    ys = np.asarray(line.get_ydata(), dtype=float)
    assert xs[0] == 0.0
    assert ys[0] == 100.0
    for step in figures.km.steps:
        if step.time <= 24:
            position = int(np.flatnonzero(xs == step.time)[0])
            assert ys[position] == pytest.approx(100 * step.survival)
    assert xs[-1] == pytest.approx(24.0)  # follow-up beyond 24 months is cut at the horizon
    assert figures.km.at(12.0) == pytest.approx(
        float(ys[np.flatnonzero(xs <= 12.0)[-1]]) / 100, abs=1e-9
    )


def test_the_band_is_shaded_between_the_confidence_limits(drawn, figures):
    _, axes = drawn
    bands = [c for c in axes.curve.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 1
    vertices = bands[0].get_paths()[0].vertices
    lower, upper = figures.km.band_at(12.0)
    assert vertices[:, 1].min() <= 100 * lower + 1e-6
    assert any(abs(v - 100 * upper) < 1e-6 for v in vertices[:, 1])


def test_censored_episodes_get_ticks(drawn, figures):
    _, axes = drawn
    ticks = [line for line in axes.curve.lines if line.get_marker() == "|"]
    assert len(ticks) == 1
    expected = censor_times(figures.km)
    assert list(ticks[0].get_xdata()) == expected
    assert len(expected) == 10  # 13 censored, 3 of them beyond the 24-month horizon
    assert max(expected) <= 24.0


def test_numbers_at_risk_are_written_under_the_axis(drawn, figures):
    _, axes = drawn
    texts = [t.get_text() for t in axes.table.texts]
    assert "Number at risk" in texts
    assert "All de-escalations" in texts
    at_risk = {p.month: p.at_risk for p in figures.curve}
    numbers = [t for t in axes.table.texts if t.get_text().isdigit()]
    assert [float(t.get_position()[0]) for t in numbers] == [float(m) for m in TABLE_MONTHS]
    assert [int(t.get_text()) for t in numbers] == [at_risk[m] for m in TABLE_MONTHS]
    assert at_risk[0] == 20


def test_the_guide_marks_the_failure_window(drawn):
    _, axes = drawn
    guides = [
        line
        for line in axes.curve.lines
        if list(line.get_xdata()) == [12.0, 12.0] and line.get_linestyle() != "None"
    ]
    assert guides
    assert "12 months" in [t.get_text() for t in axes.curve.texts]


def test_each_published_result_is_marked_and_labelled_without_overlap(drawn):
    figure, axes = drawn
    results = published()
    labels = {t.get_text(): t for t in axes.published}
    for result in results:
        assert mark_label(result) in labels
        assert f"[{result.sources[0]}]" in mark_label(result)
    marks = [line for line in axes.curve.lines if line.get_marker() == "D"]
    assert sorted(float(m.get_ydata()[0]) for m in marks) == sorted(
        r.maintained_pct for r in results
    )
    open_marks = [m for m in marks if m.get_markerfacecolor() == "white"]
    assert len(open_marks) == 2  # the two reported over follow-up
    renderer = figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in axes.published]
    for first, second in itertools.combinations(boxes, 2):
        assert not first.overlaps(second)
    frame = axes.curve.get_window_extent(renderer)
    figure_box = figure.bbox
    for box in boxes:
        assert figure_box.x0 <= box.x0
        assert box.x1 <= figure_box.x1
        assert frame.y0 <= box.y0
        assert box.y1 <= frame.y1


def test_published_labels_stay_off_the_curve_when_there_is_room(drawn):
    figure, axes = drawn
    renderer = figure.canvas.get_renderer()
    line = _step_line(axes)
    xs, ys = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
    for text in axes.published:
        box = text.get_window_extent(renderer)
        for x0, x1, y in zip(xs[:-1], xs[1:], ys[:-1], strict=True):
            (px0, py), (px1, _) = axes.curve.transData.transform([(x0, y), (x1, y)])
            horizontal_overlap = px0 < box.x1 and px1 > box.x0
            assert not (horizontal_overlap and box.y0 < py < box.y1), text.get_text()


def test_split_curves_differ_in_line_style_and_colour(figures):
    infliximab = summarise([e for e in cohort() if e.drug is Drug.INFLIXIMAB_IV], RULES)
    adalimumab = summarise([e for e in cohort() if e.drug is Drug.ADALIMUMAB], RULES)
    figure = survival_figure(
        [("All", figures), ("Infliximab IV", infliximab), ("Adalimumab", adalimumab)], ()
    )
    figure.canvas.draw()
    curve = figure.axes[0]
    lines = [line for line in curve.lines if line.get_drawstyle() == "steps-post"]
    assert len(lines) == 3
    assert len({str(line._unscaled_dash_pattern) for line in lines}) == 3
    assert len({line.get_color() for line in lines}) == 3
    assert len([c for c in curve.collections if isinstance(c, PolyCollection)]) == 1
    table = figure.axes[1]
    texts = [t.get_text() for t in table.texts]
    assert {"All", "Infliximab IV", "Adalimumab"} <= set(texts)
    samples = list(table.lines)  # the key: each row's line sample
    assert [str(s._unscaled_dash_pattern) for s in samples] == [
        str(line._unscaled_dash_pattern) for line in lines
    ]
    assert [s.get_color() for s in samples] == [line.get_color() for line in lines]


def test_the_figure_renders_to_png_at_200_dpi(figures):
    figure = survival_figure([("All de-escalations", figures)], published(), PRINT)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=200)
    image = Image.open(io.BytesIO(buffer.getvalue()))
    assert image.size == (round(7.2 * 200), round(4.8 * 200))
    pixels = np.asarray(image.convert("RGB")).astype(int)
    assert (pixels < 200).any(axis=2).mean() > 0.01  # not blank


@pytest.mark.parametrize(("style", "size"), [(SCREEN, (9.0, 6.0)), (PRESENTATION, (12.0, 7.5))])
def test_screen_and_presentation_sizes_draw_the_same_content(figures, style, size):
    figure = Figure(figsize=size)
    FigureCanvasAgg(figure)
    axes = make_survival_axes(figure, style)
    draw_survival(axes, [("All de-escalations", figures)], published(), style)
    draw_survival(axes, [("All de-escalations", figures)], published(), style)  # redraw: no leak
    figure.canvas.draw()
    assert len([line for line in axes.curve.lines if line.get_drawstyle() == "steps-post"]) == 1
    assert len(axes.published) == len(published())
    renderer = figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in axes.published]
    for first, second in itertools.combinations(boxes, 2):
        assert not first.overlaps(second)


def test_no_episodes_draws_a_note_not_an_error():
    empty = summarise([], RULES)
    figure = survival_figure([("All de-escalations", empty)], published())
    figure.canvas.draw()
    assert "No de-escalations to show" in [t.get_text() for t in figure.axes[0].texts]


def test_failure_reasons_are_bars_in_a_fixed_order(figures):
    figure = failure_reasons_figure(figures, PRINT)
    figure.canvas.draw()
    ax = figure.axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    widths = [bar.get_width() for bar in bars]
    expected = [figures.failure_reasons.get(reason, 0) for reason in FailureReason]
    assert widths == expected
    assert sum(expected) == figures.failed_12m == 6
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [reason.label for reason in FailureReason]  # top to bottom
    assert "3 (50%)" in [t.get_text() for t in ax.texts]
    assert "within 12 months (n = 6)" in ax.get_ylabel()


def test_failure_reasons_draw_into_given_axes():
    figure = Figure(figsize=(6, 2.5))
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0.3, 0.15, 0.6, 0.7))
    draw_failure_reasons(ax, summarise([], RULES), SCREEN)
    figure.canvas.draw()
    assert all(bar.get_width() == 0 for bar in ax.patches)
