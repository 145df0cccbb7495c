"""Errors that mean the user asked for something impossible (exit status 2)."""

__all__ = ["UsageError"]


class UsageError(ValueError):
    """A bad value from the user; the message names the value and the fix."""
