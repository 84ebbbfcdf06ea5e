"""The one wording that asks the user to say who they are before a write or an export."""

from __future__ import annotations

ACTING_AS = "Acting as"  # the picker at the menu bar's right end


def choose_who_you_are(then: str = "first") -> str:
    """``Choose who you are (Acting as) first.``, or with *then* saying what for."""
    return f"Choose who you are ({ACTING_AS}) {then}."
