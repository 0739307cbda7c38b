"""Read what the user gave us (a file, or a pipe) into text, or say in one line why not.

Fails closed: empty, binary, non-UTF-8, oversized and unreadable inputs are errors, never an
empty text that would analyze as safe.
"""

from __future__ import annotations

import os
import sys

from approve.analyze.base import InputError

MAX_BYTES = 128 * 1024 * 1024


def read_input(source: str | None, max_bytes: int = MAX_BYTES) -> str:
    """The text of FILE, or of standard input for None or '-'."""
    if source in (None, "-"):
        from approve.fastpath import take_preread

        data = take_preread()  # the fast path may have read the pipe already
        if data is None:
            if sys.stdin is None or sys.stdin.isatty():
                raise InputError(
                    "nothing to read: give a FILE, or pipe input in (plan | approve ...)"
                )
            data = sys.stdin.buffer.read(max_bytes + 1)
        name = "standard input"
    else:
        if os.path.isdir(source):
            raise InputError(f"{source} is a directory, not a file")
        try:
            with open(source, "rb") as handle:
                data = handle.read(max_bytes + 1)
        except FileNotFoundError:
            raise InputError(f"{source}: no such file") from None
        except PermissionError:
            raise InputError(f"{source}: permission denied") from None
        except OSError as error:
            raise InputError(f"{source}: cannot read: {error.strerror or error}") from None
        name = source
    return decode_input(data, name, max_bytes)


def decode_input(data: bytes, name: str = "input", max_bytes: int = MAX_BYTES) -> str:
    if len(data) > max_bytes:
        raise InputError(f"{name} is larger than {max_bytes // (1024 * 1024)} MB: split it up")
    if not data.strip():
        raise InputError(f"{name} is empty: there is nothing to review")
    if b"\x00" in data[:65536]:
        raise InputError(f"{name} looks binary (it holds NUL bytes): approve reads text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError(
            f"{name} is not valid UTF-8 (byte 0x{data[error.start]:02x} on line {line})"
        ) from None
