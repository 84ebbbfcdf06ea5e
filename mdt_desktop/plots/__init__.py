"""Trend plots shared by the screen and the PDF.

``draw_*(ax, data)`` and ``*_figure(data) -> Figure``; no pyplot, no Qt.
"""
