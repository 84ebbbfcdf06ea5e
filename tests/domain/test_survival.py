"""Kaplan–Meier against the textbook: Kleinbaum & Klein, Survival Analysis, table 2.2 — the
6-MP arm of the Freireich leukaemia remission trial (weeks; + = censored)."""

from __future__ import annotations

import pytest

from mdt_desktop.domain.survival import kaplan_meier

EVENTS = [6, 6, 6, 7, 10, 13, 16, 22, 23]
CENSORED = [6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35]
SUBJECTS = [(t, True) for t in EVENTS] + [(t, False) for t in CENSORED]

# time, at risk, events, S(t) as printed in the book
TEXTBOOK = [
    (6, 21, 3, 0.8571),
    (7, 17, 1, 0.8067),
    (10, 15, 1, 0.7529),
    (13, 12, 1, 0.6902),
    (16, 11, 1, 0.6275),
    (22, 7, 1, 0.5378),
    (23, 6, 1, 0.4482),
]


def test_the_estimate_matches_the_textbook():
    km = kaplan_meier(SUBJECTS)
    assert [(s.time, s.at_risk, s.events) for s in km.steps] == [t[:3] for t in TEXTBOOK]
    for step, (*_rest, survival) in zip(km.steps, TEXTBOOK, strict=True):
        assert step.survival == pytest.approx(survival, abs=1e-4)


def test_the_log_log_band_at_six_weeks():
    # Greenwood variance 3/(21*18) = 0.00794; log(-log) 95% limits 0.620 to 0.952.
    lower, upper = kaplan_meier(SUBJECTS).band_at(6)
    assert lower == pytest.approx(0.620, abs=1e-3)
    assert upper == pytest.approx(0.952, abs=1e-3)


def test_reading_the_curve_between_steps_and_the_median():
    km = kaplan_meier(SUBJECTS)
    assert km.at(0) == 1.0
    assert km.at(5.9) == 1.0
    assert km.at(8) == pytest.approx(0.8067, abs=1e-4)
    assert km.at(100) == pytest.approx(0.4482, abs=1e-4)
    assert km.at_risk(0) == 21
    assert km.at_risk(11) == 13
    assert km.median() == 23


def test_no_events_and_all_events():
    assert kaplan_meier([(3, False), (5, False)]).at(10) == 1.0
    assert kaplan_meier([(3, False), (5, False)]).median() is None
    everyone = kaplan_meier([(1, True), (2, True)])
    assert everyone.at(2) == 0.0
    assert everyone.band_at(2) == (0.0, 0.0)
    assert kaplan_meier([]).steps == ()
