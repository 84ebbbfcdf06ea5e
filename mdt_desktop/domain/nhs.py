"""NHS number validation (modulus 11 check digit)."""

from __future__ import annotations

from mdt_desktop.domain.errors import ValidationError


def nhs_check_digit(first_nine: str) -> int | None:
    """Return the check digit for nine digits, or None when no valid number can end them."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(first_nine))
    digit = 11 - total % 11
    if digit == 11:
        return 0
    if digit == 10:
        return None
    return digit


def normalise_nhs_number(raw: str) -> str:
    """Return the ten digits of *raw* (spaces and dashes allowed) or raise ValidationError."""
    digits = "".join(ch for ch in raw if ch not in " -")
    if len(digits) != 10 or not digits.isdigit():
        raise ValidationError(f"NHS number {raw!r}: must be 10 digits")
    if nhs_check_digit(digits[:9]) != int(digits[9]):
        raise ValidationError(f"NHS number {raw!r}: check digit is wrong")
    return digits


def format_nhs_number(digits: str) -> str:
    """Return the usual 3-3-4 spacing."""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
