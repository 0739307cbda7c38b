"""Turn any exception into the one line the user sees; known errors read as plain English."""

from __future__ import annotations


def describe(error: BaseException) -> str:
    from approve.analyze.base import InputError
    from approve.analyze.rules import PackError
    from approve.config import ConfigError
    from approve.journal import JournalError

    if isinstance(error, InputError):
        return f"error: {error}"
    if isinstance(error, PackError):
        return f"broken rule pack: {error}"
    if isinstance(error, ConfigError):
        return f"bad configuration: {error}"
    if isinstance(error, JournalError):
        return f"journal: {error}"
    from approve.broker.protocol import BrokerError

    if isinstance(error, BrokerError):
        return f"pane: {error}"
    if isinstance(error, OSError):
        where = f"{error.filename}: " if error.filename else ""
        return f"error: {where}{error.strerror or error}"
    first_line = str(error).splitlines()[0] if str(error) else ""
    return f"internal error ({type(error).__name__}: {first_line}); set APPROVE_DEBUG=1 for details"


def reason(error: BaseException | None) -> str:
    """The error as a reason inside a sentence that already says where it happened (the pane,
    the broker): `describe`'s line without its "error: " label, a pane error's own words."""
    if error is None:
        return "unknown error"
    if not isinstance(error, Exception):
        return type(error).__name__
    from approve.broker.protocol import BrokerError

    if isinstance(error, BrokerError):
        return str(error)
    return describe(error).removeprefix("error: ")
