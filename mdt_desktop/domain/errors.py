"""Errors raised by domain rules and services; each carries a message fit for the user."""

from __future__ import annotations


class MdtError(Exception):
    """Base class: the message is shown to the user as it is."""

    exit_code = 1


class ValidationError(MdtError):
    """Bad input: names the field (and file/line where there is one) and the reason."""

    exit_code = 2


class NotFoundError(MdtError):
    """A patient, meeting or record the user asked for does not exist."""

    exit_code = 2


class RefusedError(MdtError):
    """The action is not allowed now: locked, signed off, read-only or no permission."""

    exit_code = 3


class ConfigurationError(MdtError):
    """A shipped or site configuration file is invalid; names file, key and reason."""

    exit_code = 2


def user_message(error: Exception) -> str:
    """What to show the user for *error*: our messages as they are, anything else labelled."""
    if isinstance(error, MdtError):
        return str(error)
    return f"Unexpected error: {type(error).__name__}: {error}"
