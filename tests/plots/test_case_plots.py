"""The case plots, headless (Agg): what each panel draws, from handcrafted and demo records."""

import dataclasses
import io
import itertools
from datetime import date, datetime

import matplotlib.dates as mdates
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import same_color, to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.ticker import NullLocator
from matplotlib.transforms import Bbox

from mdt_desktop.domain.enums import (
    Analyte,
    Comparator,
    DoseUnit,
    Drug,
    EventKind,
    IbdType,
    Interpretation,
    Phase,
    Sex,
)
from mdt_desktop.domain.history import regimen_steps
from mdt_desktop.domain.records import (
    Annotation,
    ClinicalEvent,
    MedicationPeriod,
    Observation,
    Patient,
    PatientRecord,
)
from mdt_desktop.domain.regimens import RegimenChange
from mdt_desktop.models.db import open_database
from mdt_desktop.plots.artists import HOLLOW_FACE, data_artist_count
from mdt_desktop.plots.case_data import date_number
from mdt_desktop.plots.case_plots import (
    CaseAxes,
    CasePlotData,
    HoverPoint,
    TimeWindow,
    case_figure,
    draw_case,
    layout_case_axes,
    make_case_axes,
)
from mdt_desktop.plots.fitted_text import FittedLabel
from mdt_desktop.plots.strip import PeriodKind, classify_periods
from mdt_desktop.plots.style import PALETTE, PRESENTATION, PRINT, SCREEN, PlotStyle
from mdt_desktop.services.patients import PatientService

MEETING = date(2026, 11, 25)
PATIENT = Patient(
    id=1,
    hospital_number="T1",
    family_name="Plot",
    given_name="Pat",
    date_of_birth=date(1990, 1, 1),
    sex=Sex.FEMALE,
    ibd_type=IbdType.CROHNS,
    diagnosis_date=date(2015, 1, 1),
)
_ids = iter(range(1000, 100_000))


def obs(analyte, day, value, comparator=None, **extra):
    unit = {
        Analyte.FAECAL_CALPROTECTIN: "ug/g",
        Analyte.CRP: "mg/L",
        Analyte.WBC: "10^9/L",
        Analyte.HAEMOGLOBIN: "g/dL",
        Analyte.ALBUMIN: "g/L",
        Analyte.INFLIXIMAB_LEVEL: "ug/mL",
        Analyte.ADALIMUMAB_LEVEL: "ug/mL",
    }.get(analyte, "ug/mL-eq")
    return Observation(
        id=next(_ids),
        analyte=analyte,
        value=value,
        unit=unit,
        collected_at=datetime.combine(day, datetime.min.time()).replace(hour=9),
        comparator=comparator,
        original_value=f"{comparator or ''}{value:g}",
        original_unit=unit,
        source="test lab",
        **extra,
    )


def ifx(start, end, interval, phase=Phase.MAINTENANCE, dose=5.0):
    return MedicationPeriod(
        next(_ids), Drug.INFLIXIMAB_IV, dose, DoseUnit.MG_PER_KG, interval, start, end, phase
    )


def other(drug, start, end, dose, interval):
    return MedicationPeriod(next(_ids), drug, dose, DoseUnit.MG, interval, start, end)


FCP_LOW = obs(Analyte.FAECAL_CALPROTECTIN, date(2026, 3, 1), 20, Comparator.LT)
FCP_HIGH = obs(Analyte.FAECAL_CALPROTECTIN, date(2026, 6, 1), 1800, Comparator.GT)
TROUGH = obs(Analyte.INFLIXIMAB_LEVEL, date(2026, 8, 6), 8.8)
ANTIBODY_NEGATIVE = obs(
    Analyte.ANTI_DRUG_ANTIBODIES,
    date(2026, 8, 6),
    2.5,
    Comparator.LT,
    assay="TEST ATI ELISA",
    target_drug="infliximab",
)
ANTIBODY_POSITIVE = obs(
    Analyte.ANTI_DRUG_ANTIBODIES,
    date(2025, 9, 1),
    17.4,
    assay="TEST ATI ELISA",
    target_drug="infliximab",
    abnormal_flag="POS",  # the laboratory's reading (HL7 OBX-8): positive
)
OBSERVATIONS = (
    obs(Analyte.FAECAL_CALPROTECTIN, date(2023, 1, 1), 900),  # outside 2 years
    obs(Analyte.FAECAL_CALPROTECTIN, date(2025, 1, 10), 120),
    FCP_LOW,
    FCP_HIGH,
    obs(Analyte.FAECAL_CALPROTECTIN, date(2026, 10, 1), 42),
    obs(Analyte.FAECAL_CALPROTECTIN, date(2026, 12, 1), 60),  # after the meeting
    obs(Analyte.CRP, date(2025, 6, 1), 12.0),
    obs(Analyte.CRP, date(2026, 2, 1), 1.0, Comparator.LT),
    obs(Analyte.CRP, date(2026, 9, 1), 3.2),
    obs(Analyte.WBC, date(2026, 9, 1), 6.5),
    obs(Analyte.HAEMOGLOBIN, date(2026, 9, 1), 13.1),
    obs(Analyte.ALBUMIN, date(2026, 9, 1), 41.0),
    obs(Analyte.INFLIXIMAB_LEVEL, date(2025, 9, 1), 2.1),
    obs(Analyte.INFLIXIMAB_LEVEL, date(2026, 2, 1), 0.4, Comparator.LT),
    TROUGH,
    ANTIBODY_POSITIVE,
    ANTIBODY_NEGATIVE,
)
MEDICATIONS = (
    ifx(date(2019, 1, 1), date(2019, 3, 15), 14, Phase.INDUCTION),
    ifx(date(2019, 3, 15), date(2025, 3, 1), 56),  # standard
    ifx(date(2025, 3, 1), date(2026, 5, 1), 42),  # intensified
    ifx(date(2026, 5, 1), None, 56),  # de-escalated back to standard
    other(Drug.AZATHIOPRINE, date(2019, 1, 1), None, 150, 1),
    other(Drug.PREDNISOLONE, date(2025, 2, 1), date(2025, 4, 12), 40, 1),
)
EVENTS = (
    ClinicalEvent(1, EventKind.ULTRASOUND, date(2025, 5, 1), "Intestinal ultrasound"),
    ClinicalEvent(2, EventKind.ENDOSCOPY, date(2025, 7, 1), "Ileocolonoscopy", None, True),
    ClinicalEvent(3, EventKind.ENDOSCOPY, date(2026, 1, 1), "Ileocolonoscopy", None, False),
    ClinicalEvent(4, EventKind.SURGERY, date(2025, 8, 1), "Ileocaecal resection", True),
    ClinicalEvent(5, EventKind.TRIAL_ENROLMENT, date(2026, 3, 1), "DEMO-IBD-301"),
    ClinicalEvent(6, EventKind.FLARE, date(2025, 1, 20), "Flare"),
)
RECORD = PatientRecord(PATIENT, MEDICATIONS, OBSERVATIONS, EVENTS)
ANNOTATION = Annotation(
    id=1,
    observation_id=TROUGH.id,
    analyte=Analyte.INFLIXIMAB_LEVEL,
    observation_value="8.8",
    observation_unit="ug/mL",
    collected_at=TROUGH.collected_at,
    interpretation=Interpretation.ABOVE_TARGET,
    comment="Trough above the 3-7 target.",
    recommendation="Supports de-escalation to 5 mg/kg every 8 weeks.",
    pharmacist="Tom Pharm",
    created_at=datetime(2026, 8, 20, 10, 0),
)


def plot_data(config, record=RECORD, **changes):
    data = CasePlotData(record, config.thresholds, config.regimens, MEETING)
    return dataclasses.replace(data, **changes)


def drawn(config, size=(11.0, 7.5), style=SCREEN, **changes):
    """Draw a case into a fresh Agg figure; return (axes, hover points, canvas)."""
    data = plot_data(config, **changes)
    figure = Figure(figsize=size, dpi=100)
    canvas = FigureCanvasAgg(figure)
    axes = make_case_axes(figure, blood_counts=data.blood_counts, style=style)
    points = draw_case(axes, data, style)
    canvas.draw()
    return axes, points, canvas


def series_line(ax):
    """The connected line of a panel (the one with a linestyle)."""
    return next(
        line for line in ax.lines if line.get_linestyle() == "-" and len(line.get_xdata()) > 2
    )


def within(box, outer):
    return outer.x0 <= box.x0 <= box.x1 <= outer.x1 and outer.y0 <= box.y0 <= box.y1 <= outer.y1


def texts_of(ax):
    return [t.get_text() for t in ax.texts]


def test_line_data_equals_the_observations_inside_the_window(config):
    axes, _, _ = drawn(config)
    wanted = [
        o
        for o in RECORD.series(Analyte.FAECAL_CALPROTECTIN)
        if date(2024, 11, 25) <= o.collected_at.date() <= MEETING
    ]
    line = series_line(axes.calprotectin)
    assert list(line.get_xdata()) == pytest.approx([date_number(o.collected_at) for o in wanted])
    assert list(line.get_ydata()) == [o.value for o in wanted]
    assert list(line.get_xdata()) == pytest.approx(
        [mdates.date2num(o.collected_at) for o in wanted]
    )  # matplotlib's own date numbers


def test_calprotectin_is_log_with_few_plain_ticks(config):
    axes, _, _ = drawn(config)
    ax = axes.calprotectin
    assert ax.get_yscale() == "log"
    assert isinstance(ax.yaxis.get_minor_locator(), NullLocator)
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert 2 <= len(labels) <= 5
    assert all(label.isdigit() for label in labels)
    assert axes.crp.get_yscale() == "linear"
    assert axes.crp.get_ylim()[0] == 0


def dashed_levels(ax):
    return [
        line
        for line in ax.lines
        if isinstance(line.get_linestyle(), str)
        and line.get_linestyle() == "--"
        and len(set(line.get_ydata())) == 1
    ]


def band_rectangles(ax):
    return [p for p in ax.patches if isinstance(p, Rectangle) and p.get_alpha()]


@pytest.mark.parametrize("value", [250.0, 100.0])
def test_remission_band_and_line_come_from_the_configured_threshold(config, value):
    thresholds = config.thresholds
    changed = dataclasses.replace(thresholds["calprotectin_remission"], value=value)
    thresholds = dataclasses.replace(
        thresholds, values={**thresholds.values, "calprotectin_remission": changed}
    )
    axes, _, _ = drawn(config, thresholds=thresholds)
    ax = axes.calprotectin
    assert [line.get_ydata()[0] for line in dashed_levels(ax)] == [value]
    (band,) = band_rectangles(ax)
    assert band.get_y() + band.get_height() == pytest.approx(value)
    assert band.get_alpha() >= 0.15
    assert f"< {value:g} µg/g [S43, S44, S45]" in " ".join(texts_of(ax))
    crp = config.thresholds["crp_remission"]
    assert [line.get_ydata()[0] for line in dashed_levels(axes.crp)] == [crp.value]
    assert "< 5 mg/L [S28, S34, S44]" in " ".join(texts_of(axes.crp))


def test_target_band_of_the_drug_level_panel(config):
    axes, _, _ = drawn(config)
    band = config.thresholds.target_band(Analyte.INFLIXIMAB_LEVEL)
    levels = sorted(line.get_ydata()[0] for line in dashed_levels(axes.level))
    assert levels == [band.lower, band.upper]
    (rect,) = band_rectangles(axes.level)
    assert (rect.get_y(), rect.get_y() + rect.get_height()) == pytest.approx(
        (band.lower, band.upper)
    )
    assert "target 3–7 µg/mL [S28, S27]" in " ".join(texts_of(axes.level))
    assert axes.level.get_ylabel() == "Trough (µg/mL)"


def markers(ax, symbol):
    return [line for line in ax.lines if line.get_marker() == symbol]


def test_censored_values_are_hollow_triangles_at_the_bound(config):
    axes, _, _ = drawn(config)
    (below,) = markers(axes.calprotectin, "v")
    (above,) = markers(axes.calprotectin, "^")
    for line, observation in ((below, FCP_LOW), (above, FCP_HIGH)):
        assert same_color(line.get_markerfacecolor(), HOLLOW_FACE)
        assert list(line.get_xdata()) == pytest.approx([date_number(observation.collected_at)])
        assert list(line.get_ydata()) == [observation.value]
    assert markers(axes.crp, "v")
    (trough_below,) = markers(axes.level, "v")
    assert list(trough_below.get_ydata()) == [0.4]
    # exact values keep filled markers only where they are exact
    line = series_line(axes.calprotectin)
    assert line.get_markevery() == [0, 3]


def test_antibodies_are_drawn_apart_from_troughs(config):
    axes, points, _ = drawn(config)
    ax = axes.level
    trough = series_line(ax)
    (detected,) = markers(ax, "X")
    assert trough.get_marker() != "X"
    assert same_color(detected.get_markerfacecolor(), PALETTE.antibody)
    undetected = [
        line
        for line in markers(ax, "o")
        if line is not trough and same_color(line.get_markeredgecolor(), PALETTE.undetected)
    ]
    assert len(undetected) == 1
    for line in (detected, *undetected):
        assert line.get_transform() == ax.get_xaxis_transform()  # x data, y axes fraction
    assert "17.4 µg/mL-eq" in texts_of(ax)
    hover = [p for p in points if p.text.startswith("Anti-drug antibodies")]
    assert len(hover) == 2
    assert all(
        "Assay: TEST ATI ELISA" in p.text and "Target drug: infliximab" in p.text for p in hover
    )
    row_y = ax.transData.inverted().transform(
        ax.get_xaxis_transform().transform((0.0, detected.get_ydata()[0]))
    )[1]
    assert hover[0].y == pytest.approx(row_y)


def test_annotated_trough_is_ringed_and_its_hover_has_the_annotation(config):
    axes, points, _ = drawn(config, annotations=(ANNOTATION,))
    (ring,) = [line for line in axes.level.lines if line.get_gid() == "annotation-ring"]
    assert list(ring.get_ydata()) == [TROUGH.value]
    (point,) = [
        p
        for p in points
        if p.x == pytest.approx(date_number(TROUGH.collected_at)) and p.y == TROUGH.value
    ]
    assert "Above target" in point.text
    assert "Trough above the 3-7 target." in point.text
    assert "Recommendation: Supports de-escalation" in point.text
    assert "Tom Pharm" in point.text


def test_period_kinds_standard_intensified_de_escalated(config):
    kinds = classify_periods(MEDICATIONS, config.regimens)
    assert [kinds[p] for p in MEDICATIONS] == [
        PeriodKind.INDUCTION,
        PeriodKind.STANDARD,
        PeriodKind.INTENSIFIED,
        PeriodKind.DE_ESCALATED,
        PeriodKind.IMMUNOMODULATOR,
        PeriodKind.STEROID,
    ]
    steps = regimen_steps(MEDICATIONS, config.regimens)
    assert steps[-1].change is RegimenChange.DE_ESCALATION


def bars(ax):
    return {p.get_gid(): p for p in ax.patches if (p.get_gid() or "").startswith("period:")}


def test_dose_strip_colours_each_period_by_kind(config):
    axes, points, _ = drawn(config)
    drawn_bars = bars(axes.strip)
    # the induction and the old standard period end before the two-year window
    assert set(drawn_bars) == {
        "period:standard",
        "period:intensified",
        "period:de_escalated",
        "period:immunomodulator",
        "period:steroid",
    }
    for gid, colour in [
        ("period:standard", PALETTE.standard),
        ("period:intensified", PALETTE.intensified),
        ("period:de_escalated", PALETTE.de_escalated),
    ]:
        assert same_color(drawn_bars[gid].get_facecolor(), to_rgba(colour))
    texts = [p.text for p in points if p.text.startswith("Infliximab IV")]
    assert any("5 mg/kg every 6 weeks\nIntensified" in t for t in texts)
    assert any("De-escalated\nSince 01 May 2026 (ongoing)" in t for t in texts)
    everything = drawn(config, window=TimeWindow.ALL)[0]
    assert "period:induction" in bars(everything.strip)


def test_bar_labels_fit_inside_their_bar_or_are_left_out(config):
    axes, _, canvas = drawn(config, size=(9.5, 5.6))
    renderer = canvas.get_renderer()
    labels = [t for t in axes.strip.texts if isinstance(t, FittedLabel)]
    assert labels
    shown = [t for t in labels if t.fitted]
    assert any(t.fitted == "IFX 5 mg/kg q6w" for t in shown)
    for label in shown:
        box = label.get_window_extent(renderer)
        x0, y0, x1, y1 = label.box
        (px0, py0), (px1, py1) = axes.strip.transData.transform([(x0, y0), (x1, y1)])
        assert within(box, Bbox.from_extents(px0, py0, px1, py1))
    narrow = drawn(config, size=(4.0, 5.6))[0]
    narrow_labels = [t for t in narrow.strip.texts if isinstance(t, FittedLabel)]
    assert any(t.fitted != "IFX 5 mg/kg q6w" for t in narrow_labels)


def test_events_are_marked_on_the_strip(config):
    axes, points, _ = drawn(config)
    gids = {line.get_gid(): line for line in axes.strip.lines if line.get_gid()}
    assert gids["event:intestinal_ultrasound"].get_marker() == "^"
    assert gids["event:surgery"].get_marker() == "P"
    assert gids["event:trial_enrolment"].get_marker() == "*"
    assert gids["event:flare"].get_linestyle() == ":"
    endoscopies = [line for line in axes.strip.lines if line.get_gid() == "event:endoscopy"]
    faces = {line.get_markerfacecolor() for line in endoscopies}
    assert any(same_color(face, PALETTE.healing) for face in faces)
    assert any(same_color(face, "white") for face in faces)
    hover = "\n\n".join(p.text for p in points)
    # the description is the feed's: its line is bidi-isolated (U+2068 ... U+2069)
    assert "\u2068Endoscopy: Ileocolonoscopy\u2069\n01 Jul 2025\nMucosal healing" in hover
    assert "No mucosal healing" in hover
    assert "\u2068Trial enrolment: DEMO-IBD-301\u2069" in hover


@pytest.mark.parametrize(
    ("window", "start"),
    [
        (TimeWindow.ONE_YEAR, date(2025, 11, 25)),
        (TimeWindow.TWO_YEARS, date(2024, 11, 25)),
        (TimeWindow.FIVE_YEARS, date(2021, 11, 25)),
        (TimeWindow.ALL, date(2019, 1, 1)),
    ],
)
def test_window_limits(config, window, start):
    axes, _, _ = drawn(config, window=window)
    left, right = axes.strip.get_xlim()
    end = date_number(MEETING)
    pad = (end - date_number(start)) / 50
    expected_left = date_number(start) - (pad if window is TimeWindow.ALL else 0)
    assert left == pytest.approx(expected_left)
    assert right == pytest.approx(end + pad)
    assert all(ax.get_xlim() == (left, right) for ax in axes.panels())
    meeting = [line for line in axes.level.lines if list(line.get_xdata()) == [end, end]]
    assert meeting


def test_time_window_labels():
    assert [w.label for w in TimeWindow] == ["1 year", "2 years", "5 years", "All"]


def test_only_the_strip_shows_dates(config):
    axes, _, _ = drawn(config)
    for ax in axes.panels()[:-1]:
        assert not any(t.get_visible() and t.get_text() for t in ax.get_xticklabels())
    assert any(t.get_text() for t in axes.strip.get_xticklabels())


def test_empty_panels_say_so(config):
    bare = PatientRecord(PATIENT)
    axes, points, _ = drawn(config, record=bare, blood_counts=True)
    notes = {ax.get_ylabel() or "strip": " ".join(texts_of(ax)) for ax in axes.panels()}
    assert "No calprotectin in this window" in notes["Faecal calprotectin (µg/g, log scale)"]
    assert "No CRP in this window" in notes["CRP (mg/L)"]
    assert "No white cell count in this window" in notes["White cell count (×10⁹/L)"]
    assert "No drug levels in this window" in notes["Trough (µg/mL)"]
    assert "No treatment or events in this window" in notes["strip"]
    assert points == []


def test_hover_points_carry_value_unit_date_and_source(config):
    _, points, _ = drawn(config)
    assert all(isinstance(p, HoverPoint) for p in points)
    fcp = next(p for p in points if p.text.startswith("Faecal calprotectin: 42"))
    assert fcp.text == "Faecal calprotectin: 42 µg/g\n01 Oct 2026\n\u2068Source: test lab\u2069"
    assert fcp.axes_index == 0
    low = next(p for p in points if p.text.startswith("Faecal calprotectin: <20"))
    assert "below the assay limit" in low.text
    trough = next(p for p in points if p.text.startswith("Infliximab level: 8.8 µg/mL"))
    # drawn 41 days into an 8-week interval: not a trough, so not read against the band
    assert "Not read against the trough target of 3–7 µg/mL" in trough.text
    assert "not a trough: 41 days after the infusion of 26 Jun 2026" in trough.text
    assert trough.axes_index == 2


def test_blood_counts_add_three_panels(config):
    axes, points, _ = drawn(config, blood_counts=True)
    assert len(axes.blood) == 3
    assert len(axes.panels()) == 7
    wbc, haemoglobin, albumin = axes.blood
    risk = config.thresholds["risk_wbc"]
    assert [line.get_ydata()[0] for line in dashed_levels(wbc)] == [risk.value]
    assert "> 6 ×10⁹/L [S23]" in " ".join(texts_of(wbc))
    assert "≤ 14.5 g/dL [S23]" in " ".join(texts_of(haemoglobin))
    assert dashed_levels(albumin) == []
    assert {p.axes_index for p in points} == {0, 1, 2, 3, 4, 5, 6}
    assert len(drawn(config)[0].panels()) == 4


def artist_counts(axes: CaseAxes):
    return (
        [data_artist_count(ax) for ax in axes.panels()],
        len(axes.figure.artists),
        len(axes.figure.texts),
    )


def test_drawing_twice_does_not_accumulate_artists(config):
    figure = Figure(figsize=(11, 7.5), dpi=100)
    canvas = FigureCanvasAgg(figure)
    axes = make_case_axes(figure, blood_counts=True, style=SCREEN)
    data = plot_data(config, blood_counts=True, annotations=(ANNOTATION,))
    draw_case(axes, data, SCREEN)
    canvas.draw()
    first = artist_counts(axes)
    draw_case(axes, dataclasses.replace(data, record=PatientRecord(PATIENT)), SCREEN)
    draw_case(axes, data, SCREEN)
    canvas.draw()
    assert artist_counts(axes) == first


def all_text_boxes(axes, canvas):
    renderer = canvas.get_renderer()
    texts: list[Text] = [t for t in axes.figure.artists if isinstance(t, Text)]
    for ax in axes.panels():
        texts += [*ax.texts, ax.yaxis.label]
        texts += [t for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_visible()]
    return [
        (t.get_text(), t.get_window_extent(renderer))
        for t in texts
        if t.get_text() and t.get_visible()
    ]


@pytest.mark.parametrize(
    ("size", "style", "blood"),
    [
        ((9.5, 5.6), SCREEN, False),
        ((17.0, 8.5), PRESENTATION, False),
        ((10.0, 7.0), PRINT, True),
        ((9.5, 5.6), SCREEN, True),
    ],
)
def test_text_stays_inside_the_figure_and_titles_clear_the_panel_above(config, size, style, blood):
    axes, _, canvas = drawn(
        config, size=size, style=style, blood_counts=blood, annotations=(ANNOTATION,)
    )
    figure_box = axes.figure.bbox
    for text, box in all_text_boxes(axes, canvas):
        assert within(box, figure_box.padded(1)), text
    renderer = canvas.get_renderer()
    panels = axes.panels()
    for upper, lower in itertools.pairwise(panels):
        title = lower.yaxis.label.get_window_extent(renderer)
        if lower.get_ylabel():
            assert title.y1 <= upper.get_window_extent(renderer).y0 + 1


def test_layout_follows_a_resize(config):
    axes, _, _ = drawn(config, size=(9.5, 5.6))
    before = axes.strip.get_position().height
    axes.figure.set_size_inches(19.0, 11.2)
    layout_case_axes(axes, SCREEN)
    after = axes.strip.get_position().height
    assert after == pytest.approx(before / 2, rel=0.05)  # the strip keeps its height in inches


def test_style_scales_fonts_lines_and_markers():
    assert PRESENTATION.tick_size == pytest.approx(16.0)
    assert PRINT.label_size == pytest.approx(11 * 0.85)
    for style in (SCREEN, PRESENTATION, PRINT, PlotStyle(1.3)):
        assert style.tick_size >= 10 * style.scale
        assert style.label_size >= 11 * style.scale
        assert style.line_width >= 2 * style.scale
        assert style.reference_width >= 2 * style.scale
        assert style.marker_size >= 6 * style.scale
        assert style.small_marker_size >= 6 * style.scale
        assert style.band_alpha >= 0.15
    assert "#F0E442" not in [c.upper() for c in dataclasses.astuple(PALETTE)]  # no yellow


def test_case_figure_for_reports(config):
    figure = case_figure(plot_data(config, blood_counts=True))
    assert tuple(figure.get_size_inches()) == (10.0, 7.0)
    assert len(figure.axes) == 7
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=200)
    assert png.getvalue().startswith(b"\x89PNG")
    pdf = io.BytesIO()
    figure.savefig(pdf, format="pdf")  # vector output keeps real text
    assert pdf.getvalue().startswith(b"%PDF")


@pytest.fixture(scope="module")
def demo_records(demo_master, config):
    database = open_database(demo_master, read_only=True)
    try:
        service = PatientService(database)
        records = [service.get_record(f"DEMO{n}") for n in range(10001, 10041)]
    finally:
        database.close()
    return records


def test_a_demo_case_with_a_de_escalation(config, demo_records):
    record = next(
        r
        for r in demo_records
        if any(
            s.change is RegimenChange.DE_ESCALATION
            for s in regimen_steps(r.medications, config.regimens)
        )
        and any(p.active_on(MEETING) for p in r.medications)
    )
    data = plot_data(config, record=record, window=TimeWindow.FIVE_YEARS)
    figure = Figure(figsize=(11, 7.5), dpi=100)
    canvas = FigureCanvasAgg(figure)
    axes = make_case_axes(figure, blood_counts=False, style=SCREEN)
    points = draw_case(axes, data, SCREEN)
    canvas.draw()
    assert "period:de_escalated" in bars(axes.strip)
    wanted = data.observations(Analyte.FAECAL_CALPROTECTIN)
    assert len(series_line(axes.calprotectin).get_xdata()) == len(wanted)
    assert all(
        "Source: demo generator" in p.text
        for p in points
        if p.text.startswith(("Faecal calprotectin", "C-reactive protein"))
    )
    counts = artist_counts(axes)
    for other_record in demo_records[:5]:
        draw_case(axes, dataclasses.replace(data, record=other_record), SCREEN)
    draw_case(axes, data, SCREEN)
    canvas.draw()
    assert artist_counts(axes) == counts


@pytest.mark.slow  # draws every demo record
def test_every_demo_record_draws(config, demo_records):
    figure = Figure(figsize=(9.5, 5.6), dpi=100)
    canvas = FigureCanvasAgg(figure)
    axes = make_case_axes(figure, blood_counts=True, style=SCREEN)
    for record in demo_records:
        for window in (TimeWindow.ONE_YEAR, TimeWindow.ALL):
            points = draw_case(
                axes, plot_data(config, record=record, window=window, blood_counts=True), SCREEN
            )
            assert all(p.axes_index < len(axes.panels()) for p in points)
    canvas.draw()


def test_overlapping_periods_share_their_lane_without_overlapping(config):
    overlap = other(Drug.USTEKINUMAB, date(2025, 1, 1), date(2025, 2, 1), 90, 56)
    record = dataclasses.replace(RECORD, medications=(*MEDICATIONS, overlap))
    axes, _, _ = drawn(config, record=record)
    purple = bars(axes.strip)["period:other_biologic"]
    grey = bars(axes.strip)["period:standard"]
    assert purple.get_y() + purple.get_height() <= grey.get_y() + 1e-9  # stacked, not on top
    orange = bars(axes.strip)["period:intensified"]
    assert orange.get_height() == pytest.approx(grey.get_height() * 2)  # alone: full height
