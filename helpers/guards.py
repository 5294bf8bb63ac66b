"""Timeout guards for pitfall demonstrations: a broken example ends in a clear error, never a hang."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import re
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.reduction import ForkingPickler
from typing import Any, Iterator

from helpers.validation import require_number, require_start_method


@dataclass(frozen=True)
class ChildOutcome:
    """How a child process ended: exit code, returned value, and the last line it wrote to stderr."""

    method: str
    exitcode: int | None
    value: Any = None
    error: str = ""

    @property
    def ok(self) -> bool:
        """True when the child returned normally."""
        return self.exitcode == 0

    def result(self) -> Any:
        """The child's return value, or a ChildProcessError that carries the child's own error text."""
        if self.exitcode is None:
            raise ChildProcessError(f"the child ({self.method}) was still running at the timeout and was killed")
        if self.exitcode != 0:
            detail = self.error or "its error went to the terminal that runs Jupyter"
            raise ChildProcessError(f"the child ({self.method}) exited with code {self.exitcode}: {detail}")
        return self.value


@dataclass(frozen=True)
class _PickledFunction:
    """A function the parent pickled itself, for the child to unpickle inside _call_and_send.

    Unpickling a function the child cannot import (one defined in a notebook cell, say) fails in the child
    before any of its code runs; unpickled here, that failure is reported like any other error, and under
    forkserver too, whose children write their stderr where the server's goes, out of run_in_child's reach.
    """

    data: bytes

    def load(self) -> Callable[..., Any]:
        """The function, found by module and name as a child process finds it."""
        return pickle.loads(self.data)


def _call_and_send(connection: Any, function: Callable[..., Any] | _PickledFunction, args: tuple[Any, ...]) -> None:
    """Child side of run_in_child: send back ("value", result) or ("error", text).

    On an error the child exits with code 1, as a Process whose target raises does, but sends
    its error as text instead of printing a traceback, so the outcome reads the same under
    every start method (a forked child would print into the notebook, a spawned one would not).
    """
    try:
        if isinstance(function, _PickledFunction):
            function = function.load()
        result = function(*args)
    except Exception as error:
        connection.send(("error", f"{type(error).__name__}: {error}"))
        sys.exit(1)
    try:
        connection.send(("value", result))
    except Exception as error:  # e.g. the result cannot be pickled
        connection.send(("error", f"the result could not be sent back: {type(error).__name__}: {error}"))
        sys.exit(1)
    connection.close()


@contextmanager
def _stderr_to(capture: Any) -> Iterator[None]:
    """Point file descriptor 2 at ``capture`` for a moment, so a child started now inherits it."""
    saved = os.dup(2)
    os.dup2(capture.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def _last_error_line(text: str) -> str:
    """The final line of a traceback (the exception type and message), without colour codes (3.13+)."""
    lines = [line.strip() for line in ANSI_ESCAPE.sub("", text).splitlines() if line.strip()]
    return lines[-1] if lines else ""


def run_in_child(function: Callable[..., Any], *args: Any, method: str = "spawn", timeout: float = 10.0) -> ChildOutcome:
    """Run ``function(*args)`` in one child process of the given start method, waiting at most ``timeout`` s.

    The child's stderr is captured (fork and spawn) so that an error it hits before any of
    our code runs, such as failing to import its worker, comes back as text.
    """
    require_start_method(method)
    require_number("timeout", timeout, minimum=0, strict=True)
    context = multiprocessing.get_context(method)
    if method != "fork":
        # Pickled here, as start() would (a lambda fails now, in the parent); unpickled by the child's own code.
        function = _PickledFunction(bytes(ForkingPickler.dumps(function)))
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_call_and_send, args=(sender, function, args), daemon=True)
    if os.name == "posix" and method != "fork":
        # Long-lived helper processes started during the redirect below would keep the temporary
        # file as their stderr for good (hiding, e.g., leak warnings): start them first.
        from multiprocessing import forkserver, resource_tracker

        resource_tracker.ensure_running()
        if method == "forkserver":
            forkserver.ensure_running()
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryFile() as capture:
        with _stderr_to(capture):
            process.start()
        sender.close()
        value, error = None, ""
        if receiver.poll(timeout):
            try:
                kind, payload = receiver.recv()
            except EOFError:  # the child died before it could send anything
                kind, payload = "none", None
            value, error = (payload, "") if kind == "value" else (None, payload or "")
        process.join(max(0.0, deadline - time.monotonic()))
        timed_out = process.is_alive()
        if timed_out:
            process.kill()
            process.join(5)
        exitcode = None if timed_out else process.exitcode
        receiver.close()
        process.close()
        if exitcode != 0 and not error:
            capture.seek(0)
            error = _last_error_line(capture.read().decode(errors="replace"))
    return ChildOutcome(method, exitcode, value, error)


def join_all(processes: Any, timeout: float) -> list[Any]:
    """Join every process within one shared deadline of ``timeout`` s; kill the ones still running and return them."""
    require_number("timeout", timeout, minimum=0, strict=True)
    deadline = time.monotonic() + timeout
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    stuck = [p for p in processes if p.is_alive()]
    for process in stuck:
        process.kill()
        process.join(5)
    return stuck
