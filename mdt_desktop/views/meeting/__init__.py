"""The meeting screen: the main window, the case list and the case's tabs, presentation mode."""
