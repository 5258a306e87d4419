"""A local fake of the Slack Web API for end-to-end tests."""

from .blockkit import Problem, message_error, message_problem, view_error, view_problem
from .ratelimit import DEFAULT_PER_MINUTE, RateLimiter, RateLimits
from .recorder import FILE_UPLOAD, RESPONSE_URL, Call
from .server import FakeSlack
from .socketmode import Ack, SocketModeServer
from .workspace import Upload

__all__ = [
    "Ack",
    "DEFAULT_PER_MINUTE",
    "FILE_UPLOAD",
    "RESPONSE_URL",
    "Call",
    "FakeSlack",
    "Problem",
    "RateLimiter",
    "RateLimits",
    "SocketModeServer",
    "Upload",
    "message_error",
    "message_problem",
    "view_error",
    "view_problem",
]
