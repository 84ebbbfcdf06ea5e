"""Trend plots shared by the meeting screen and the PDF minutes. No pyplot, no Qt.

``case_plots`` is the entry point (``make_case_axes``, ``layout_case_axes``, ``draw_case``,
``case_figure`` and the per-panel ``draw_*`` functions); ``style`` holds the screen,
presentation and print styles. The other modules are its parts: ``case_data`` (input, window,
hover points), ``biomarkers``, ``levels`` and ``strip`` (the panels), ``key``, ``panel``,
``artists``, ``ticks``, ``timeaxis``, ``labels``, ``fitted_text`` and ``outline_text``.
"""
