"""Counting words: one helper so that no text says "1 days" or "1 patients".

Plain Python, used by the domain, the reports and the windows alike.
"""

from __future__ import annotations

_IRREGULAR = {"patient's": "patients'", "analysis": "analyses"}


def plural(noun: str, count: float) -> str:
    """*noun* for *count* things: ``day`` for 1, ``days`` otherwise (also for 0 and 1.5).

    Args:
        noun: The singular form, e.g. ``day``, ``result``, ``check``.
        count: How many.
    """
    if count == 1:
        return noun
    if noun in _IRREGULAR:
        return _IRREGULAR[noun]
    if noun.endswith(("s", "x", "ch", "sh")):
        return f"{noun}es"
    return f"{noun}s"


def count(number: float, noun: str) -> str:
    """E.g. ``1 day``, ``3 days``, ``0 results``, ``1.5 months``.

    Args:
        number: How many (whole numbers print without a decimal point).
        noun: The singular form of what is counted.
    """
    return f"{_number(number)} {plural(noun, number)}"


def unit_text(value: float, unit: str) -> str:
    """A value with a unit of time that may be plural: ``1 day``, ``6 months``, ``250 ug/g``.

    Units other than days, weeks, months and years are printed as given.
    """
    singular = {"days": "day", "weeks": "week", "months": "month", "years": "year"}.get(unit)
    if singular is None:
        return f"{_number(value)} {unit}"
    return count(value, singular)


def _number(value: float) -> str:
    """``3`` for 3 or 3.0, ``1.5`` for 1.5 (never ``1e+06``)."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
