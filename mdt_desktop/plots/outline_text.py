"""Fast text for raster output: glyph outlines cached per string, filled as one path.

matplotlib's Agg backend renders every glyph of every text on every draw (about 0.07 ms a glyph
on a modest machine), which made text over half the cost of redrawing the case plots. Drawing
text as its outline path, the way matplotlib's vector backends can, costs a fraction of that
when the outline is cached: tick labels, panel titles and the key repeat from case to case.

``OutlineTextAxes`` (pass it as ``axes_class``) and ``OutlineText`` draw their text this way on
raster renderers only; vector output (PDF, SVG) keeps real, selectable text. Layout, alignment
and metrics are matplotlib's own: only the final ``draw_text`` call is replaced, with the same
geometry as ``RendererBase._draw_text_as_path``.
"""

from __future__ import annotations

import weakref
from functools import lru_cache
from typing import Any, cast

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backend_bases import GraphicsContextBase, RendererBase
from matplotlib.font_manager import FontProperties
from matplotlib.path import Path
from matplotlib.text import Text
from matplotlib.textpath import text_to_path
from matplotlib.transforms import Affine2D

_WRAPPERS: weakref.WeakKeyDictionary[RendererBase, OutlineTextRenderer] = (
    weakref.WeakKeyDictionary()
)


class OutlineTextRenderer:
    """Delegates everything to a raster renderer except text, which it fills as outlines."""

    def __init__(self, renderer: RendererBase) -> None:
        self._renderer = weakref.ref(renderer)

    @property
    def wrapped(self) -> RendererBase:
        renderer = self._renderer()
        if renderer is None:
            raise ReferenceError("the renderer is gone")
        return renderer

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)

    def draw_text(
        self,
        gc: GraphicsContextBase,
        x: float,
        y: float,
        s: str,
        prop: FontProperties,
        angle: float,
        ismath: bool = False,
        mtext: Text | None = None,
    ) -> None:
        """Fill the cached outline of *s* at (x, y), as RendererBase._draw_text_as_path does."""
        renderer = self.wrapped
        if ismath:
            renderer.draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
            return
        if renderer.flipy():  # Agg's y runs downwards here, as in _draw_text_as_path
            y = renderer.get_canvas_width_height()[1] - y
        size = float(np.asarray(renderer.points_to_pixels(prop.get_size_in_points())))
        transform = (
            Affine2D().scale(size / text_to_path.FONT_SCALE).rotate_deg(angle).translate(x, y)
        )
        gc.set_linewidth(0.0)
        renderer.draw_path(gc, outline(s, prop.copy()), transform, rgbFace=gc.get_rgb())


@lru_cache(maxsize=2048)
def outline(text: str, prop: FontProperties) -> Path:
    """Return the outline of *text* at ``text_to_path.FONT_SCALE`` (pass a copy of *prop*)."""
    vertices, codes = text_to_path.get_text_path(prop, text)
    return Path(vertices, codes)


def outline_renderer(renderer: RendererBase) -> RendererBase:
    """Return a renderer drawing text as outlines if *renderer* is a raster one, else itself."""
    if not hasattr(renderer, "buffer_rgba"):
        return renderer
    wrapper = _WRAPPERS.get(renderer)
    if wrapper is None:
        wrapper = _WRAPPERS[renderer] = OutlineTextRenderer(renderer)
    return cast(RendererBase, wrapper)


class OutlineTextAxes(Axes):
    """Axes whose text (ticks, titles, notes) is drawn as cached outlines on raster output."""

    def draw(self, renderer: RendererBase) -> None:
        super().draw(outline_renderer(renderer))


class OutlineText(Text):
    """A text drawn as its cached outline on raster output (for figure-level text)."""

    def draw(self, renderer: RendererBase) -> None:
        super().draw(outline_renderer(renderer))
