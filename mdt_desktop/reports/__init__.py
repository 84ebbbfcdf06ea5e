"""reportlab platypus builders: minutes, outcome letters, the audit report.

Figures come from mdt_desktop.plots. No Qt.
"""
