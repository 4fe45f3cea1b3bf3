"""Errors a user can cause and fix.

Anything raised as :class:`UserError` is printed by the CLI as one line, without a traceback,
and ends the process with a non-zero exit code. Everything else is a bug in shotgraph.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input: a file, a field, an option or a frame."""

    exit_code = 2


class MediaError(UserError):
    """A media file is missing, unreadable, corrupt or unsuitable."""


class ProjectError(UserError):
    """The project file is malformed or asks for something that does not exist."""


class ParamError(UserError):
    """An op was given an unknown or invalid parameter. ``loc`` is the field, where validation
    located it in the values given (for callers that point at the line it was written on)."""

    def __init__(self, *args, loc: tuple = ()):
        super().__init__(*args)
        self.loc = loc


class MissingWeightsError(UserError):
    """A backend needs model weights the user has not installed; the message says where to put them."""


class BackendUnavailableError(UserError):
    """A backend's optional dependencies are not installed; the message names the extra to install."""


def in_context(error: UserError, context: str) -> UserError:
    """``error`` with ``context`` (the project node, the edit clip...) in front of its message, for
    errors raised deep inside that name a file or frame but not where in the user's work it is."""
    message = str(error)
    if not message.startswith(context):
        error.args = (f"{context}: {message}",)
    return error
