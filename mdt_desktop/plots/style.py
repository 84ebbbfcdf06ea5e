"""Sizes and colours of the trend plots, for the screen, a projector and print.

One ``PlotStyle`` scales every font, line, marker and margin: 1.0 on screen, about 1.6 in
presentation mode on a projector, about 0.85 in printed minutes. Colours come from the Okabe-Ito
palette, which stays distinguishable with the common colour-vision deficiencies; yellow is never
used for lines or markers because it vanishes on white and on a washed-out projector.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Okabe & Ito (2008), "Color Universal Design".
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"


@dataclass(frozen=True, slots=True)
class Palette:
    """What each colour means in the plots (Okabe-Ito hues plus greys)."""

    series: str = BLUE
    band: str = BLUISH_GREEN
    band_edge: str = "#007A58"  # a darker bluish green for the dashed edges and band labels
    risk: str = VERMILLION
    antibody: str = VERMILLION
    undetected: str = "#7A7A7A"
    annotation: str = BLACK
    meeting: str = "#333333"
    text: str = "#1A1A1A"
    muted_text: str = "#595959"
    grid: str = "#E3E3E3"
    frame: str = "#9A9A9A"
    induction: str = "#D0D0D0"
    standard: str = "#8F8F8F"
    intensified: str = ORANGE
    de_escalated: str = SKY_BLUE
    other_biologic: str = REDDISH_PURPLE
    small_molecule: str = BLUE
    immunomodulator: str = "#7FCEB9"  # bluish green, lightened so bar text stays black
    steroid: str = "#EE9A66"  # vermillion, lightened so bar text stays black
    bar_edge: str = "#3A3A3A"
    event: str = "#3A3A3A"
    healing: str = BLUISH_GREEN
    flare: str = VERMILLION


PALETTE = Palette()


@dataclass(frozen=True, slots=True)
class PlotStyle:
    """Scale-dependent sizes (points and inches) and the palette of one output medium."""

    scale: float = 1.0
    palette: Palette = field(default=PALETTE)

    @property
    def tick_size(self) -> float:
        """Tick labels, in points."""
        return 10.0 * self.scale

    @property
    def label_size(self) -> float:
        """Panel titles (the y labels), in points."""
        return 11.0 * self.scale

    @property
    def note_size(self) -> float:
        """Band labels, bar text, the key and empty-panel notes, in points."""
        return 10.0 * self.scale

    @property
    def line_width(self) -> float:
        """Data series, in points."""
        return 2.25 * self.scale

    @property
    def reference_width(self) -> float:
        """Threshold, band-edge, meeting and flare lines, in points."""
        return 2.0 * self.scale

    @property
    def grid_width(self) -> float:
        return 0.8 * self.scale

    @property
    def edge_width(self) -> float:
        """Outline of the dose-strip bars, in points."""
        return 1.0 * self.scale

    @property
    def marker_size(self) -> float:
        """Data points, in points."""
        return 7.0 * self.scale

    @property
    def small_marker_size(self) -> float:
        """Antibodies not detected: the smallest marker drawn."""
        return 6.0 * self.scale

    @property
    def event_marker_size(self) -> float:
        return 9.0 * self.scale

    @property
    def band_alpha(self) -> float:
        """Opacity of remission and target bands (>= 0.15 to survive a projector)."""
        return 0.2

    def inches(self, value: float) -> float:
        """Scale a length given in inches at scale 1."""
        return value * self.scale


SCREEN = PlotStyle(1.0)
PRESENTATION = PlotStyle(1.6)
PRINT = PlotStyle(0.85)
