"""Who is asking, from where: set once per request, read by the audit trail and logs."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None


_EMPTY = RequestContext()
_current: ContextVar[RequestContext | None] = ContextVar("payvand_request", default=None)


def current() -> RequestContext:
    return _current.get() or _EMPTY


def bind(context: RequestContext):
    """Make ``context`` current; returns the token to ``reset`` it with."""
    return _current.set(context)


def reset(token) -> None:
    _current.reset(token)
