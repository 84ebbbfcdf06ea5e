"""Data in and out: importing results and records, exporting minutes and letters."""
