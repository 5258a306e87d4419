"""Errors a user can cause: each carries one line that says what to do."""


class UserFacingError(Exception):
    """A refusal or mistake explained to the user in one ephemeral line."""

    def __init__(self, message: str, *, is_mrkdwn: bool = False) -> None:
        super().__init__(message)
        self.message = message
        # Plain messages may quote what the user typed and are escaped when shown; mrkdwn ones
        # were built from trusted ids and already-escaped text, so mentions in them still work.
        self.is_mrkdwn = is_mrkdwn


class ParseError(UserFacingError):
    """Command text that could not be understood."""


class NotFound(UserFacingError):
    """A lead reference that matches nothing the user can see."""


class PermissionDenied(UserFacingError):
    """The user may not make this change."""
