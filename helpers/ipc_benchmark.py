"""How fast do messages move between processes? Pipe, Queue, SimpleQueue and the raw OS pipe, measured.

Run it from a terminal to compare machines (it prints the same table as notebook 03)::

    python -m helpers.ipc_benchmark                 # default sizes, about 10 s
    python -m helpers.ipc_benchmark --budget-mb 200 --method spawn

Every channel carries the same message, a ``bytes`` object of the given size, from a child
process to the parent. ``Pipe.send`` and the queues pickle it; ``Pipe.send_bytes`` sends the
buffer as it is; ``os.pipe`` writes the bytes straight into the operating system's pipe with
no framing at all (POSIX only): the ceiling for moving bytes from one process to another.
All pipe-based channels use one-way pipes (``Pipe(duplex=False)``), as ``Queue`` does inside.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from helpers.validation import require_int, require_number, require_start_method
from helpers.start_methods import available_methods

CHANNELS = ("os.pipe", "Pipe.send_bytes", "Pipe.send", "SimpleQueue", "Queue")
# Message sizes in bytes: a short record, a row, a small file, a chunk, an image, a large array.
SIZES = (100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000)
QUEUE_CHANNELS = ("SimpleQueue", "Queue")
_STOP = "stop: the parent's watchdog gave up"  # put on a queue to wake a parent blocked in get()


def available_channels() -> tuple[str, ...]:
    """The channels this platform can measure (the raw OS pipe needs POSIX file descriptors)."""
    return CHANNELS if os.name == "posix" else CHANNELS[1:]


def require_channel(channel: Any) -> str:
    """Return ``channel`` if it is one this platform can measure."""
    allowed = available_channels()
    if channel not in allowed:
        raise ValueError(f"channel must be one of {list(allowed)}, got {channel!r}")
    return channel


def format_size(size: int) -> str:
    """100 → '100 B', 10_000 → '10 kB', 10_000_000 → '10 MB' (powers of ten, as the sizes are chosen)."""
    require_int("size", size, minimum=1)
    for unit, scale in (("MB", 10**6), ("kB", 10**3)):
        if size >= scale:
            return f"{size / scale:g} {unit}"
    return f"{size} B"


# ---------------------------------------------------------------- the two ends of each channel


def _make_channel(context: Any, channel: str) -> tuple[Any, Any]:
    """(receiving end, sending end) of one one-way channel."""
    if channel in QUEUE_CHANNELS:
        queue = context.Queue() if channel == "Queue" else context.SimpleQueue()
        return queue, queue
    return context.Pipe(duplex=False)


def _send(channel: str, end: Any, payload: bytes) -> None:
    """Send one message on ``end`` the way ``channel`` does."""
    if channel == "os.pipe":
        view, fd = memoryview(payload), end.fileno()
        while view:
            view = view[os.write(fd, view):]
    elif channel == "Pipe.send_bytes":
        end.send_bytes(payload)
    elif channel == "Pipe.send":
        end.send(payload)
    else:
        end.put(payload)


def _receive(channel: str, end: Any, size: int, buffer: bytearray | None = None) -> Any:
    """Receive one message of ``size`` bytes from ``end``; EOFError if the sender is gone."""
    if channel == "os.pipe":
        view, fd = memoryview(buffer)[:size], end.fileno()  # type: ignore[arg-type]
        while view:
            count = os.readv(fd, [view])
            if count == 0:
                raise EOFError("the sending process closed the pipe")
            view = view[count:]
        return buffer
    if channel == "Pipe.send_bytes":
        return end.recv_bytes()
    if channel == "Pipe.send":
        return end.recv()
    message = end.get()
    if isinstance(message, str) and message == _STOP:
        raise EOFError("the watchdog stopped the run")
    return message


def _stream(channel: str, end: Any, size: int, count: int, go: Any) -> None:
    """Child: wait for the go signal, then send ``count`` messages of ``size`` bytes."""
    payload = os.urandom(size)
    if not go.wait(60):
        return
    for _ in range(count):
        _send(channel, end, payload)
    if channel == "Queue":
        end.close()
        end.join_thread()  # every message flushed into the pipe before this process exits


def _echo(channel: str, requests: Any, replies: Any, size: int, count: int) -> None:
    """Child: receive ``count`` messages and send each one straight back."""
    buffer = bytearray(size)
    for _ in range(count):
        message = _receive(channel, requests, size, buffer)
        _send(channel, replies, bytes(message) if channel == "os.pipe" else message)
    if channel == "Queue":
        replies.close()
        replies.join_thread()


class _Watchdog:
    """Ends a measurement that overstays ``timeout``: kills the child, wakes a parent blocked on a queue."""

    def __init__(self, timeout: float, child: Any, queues: Sequence[Any]) -> None:
        self.fired = False
        self._child, self._queues = child, queues
        self._timer = threading.Timer(timeout, self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        self.fired = True
        self._child.kill()  # its pipe ends close, so a parent blocked reading a pipe gets EOF
        for queue in self._queues:
            queue.put(_STOP)  # a queue has other writers (this process), so it needs a message

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._timer.cancel()


def _finish(child: Any, ends: Sequence[Any], timeout: float) -> None:
    """Join the child (it has sent everything, so it exits at once); close our ends."""
    child.join(timeout)
    if child.is_alive():
        child.kill()
        child.join(5)
    for end in ends:
        end.close()


# ---------------------------------------------------------------- measurements


def stream_rate(channel: str, size: int, count: int, *, blocks: int = 3, method: str | None = None, timeout: float = 60.0) -> float:
    """Seconds per message when a child streams ``blocks`` × ``count`` messages of ``size`` bytes (fastest block).

    The fastest block, as ``timeit`` reports the fastest run: the cost of the channel itself,
    with the least interference from whatever else the machine was doing.
    """
    require_channel(channel)
    require_int("size", size, minimum=1)
    require_int("count", count, minimum=1)
    require_int("blocks", blocks, minimum=1)
    require_number("timeout", timeout, minimum=0, strict=True)
    context = multiprocessing.get_context(method)
    receiving, sending = _make_channel(context, channel)
    go = context.Event()
    child = context.Process(target=_stream, args=(channel, sending, size, count * blocks, go), daemon=True)
    child.start()
    if channel not in QUEUE_CHANNELS:
        sending.close()  # only the child writes: when it ends, our reads see EOF instead of blocking
    buffer = bytearray(size)
    seconds = []
    with _Watchdog(timeout, child, [receiving] if channel in QUEUE_CHANNELS else []) as watchdog:
        try:
            start = time.perf_counter()
            go.set()
            for _ in range(blocks):
                for _ in range(count):
                    _receive(channel, receiving, size, buffer)
                now = time.perf_counter()
                seconds.append(now - start)
                start = now
        except EOFError:
            pass
    _finish(child, [receiving] if channel not in QUEUE_CHANNELS else [], timeout)
    if watchdog.fired or len(seconds) < blocks:
        raise TimeoutError(f"{channel}: {blocks * count} messages of {format_size(size)} did not arrive within {timeout} s")
    return min(seconds) / count


def round_trip(channel: str, size: int, trips: int, *, method: str | None = None, timeout: float = 60.0) -> float:
    """Median seconds for a message of ``size`` bytes to go to a child and come back (``trips`` times)."""
    require_channel(channel)
    require_int("size", size, minimum=1)
    require_int("trips", trips, minimum=1)
    require_number("timeout", timeout, minimum=0, strict=True)
    context = multiprocessing.get_context(method)
    to_child_recv, to_child_send = _make_channel(context, channel)
    back_recv, back_send = _make_channel(context, channel)
    child = context.Process(target=_echo, args=(channel, to_child_recv, back_send, size, trips + 1), daemon=True)
    child.start()
    if channel not in QUEUE_CHANNELS:
        to_child_recv.close()
        back_send.close()
    payload, buffer = os.urandom(size), bytearray(size)
    samples = []
    with _Watchdog(timeout, child, [back_recv] if channel in QUEUE_CHANNELS else []) as watchdog:
        try:
            for trip in range(trips + 1):  # the first trip waits for the child to start: not counted
                start = time.perf_counter()
                _send(channel, to_child_send, payload)
                _receive(channel, back_recv, size, buffer)
                if trip:
                    samples.append(time.perf_counter() - start)
        except (EOFError, BrokenPipeError):
            pass
    ends = [] if channel in QUEUE_CHANNELS else [to_child_send, back_recv]
    _finish(child, ends, timeout)
    if channel == "Queue":
        to_child_send.close()
        to_child_send.join_thread()
    if watchdog.fired or len(samples) < trips:
        raise TimeoutError(f"{channel}: {trips} round trips of {format_size(size)} did not finish within {timeout} s")
    return statistics.median(samples)


def pickle_cost(size: int, repeats: int = 5) -> float:
    """Seconds to pickle and unpickle one ``bytes`` message of ``size`` bytes (best of ``repeats``)."""
    from helpers.pickling import pickle_seconds

    require_int("size", size, minimum=1)
    return pickle_seconds(os.urandom(size), repeats=repeats)


@dataclass(frozen=True)
class Measurement:
    """One channel at one message size."""

    channel: str
    size: int
    seconds_per_message: float  # streaming: the reciprocal of the throughput
    round_trip: float  # seconds, median

    @property
    def messages_per_second(self) -> float:
        """Messages delivered per second while streaming."""
        return 1.0 / self.seconds_per_message

    @property
    def megabytes_per_second(self) -> float:
        """Payload delivered per second while streaming, in MB (10⁶ bytes)."""
        return self.size / self.seconds_per_message / 1e6


@dataclass(frozen=True)
class Benchmark:
    """Every channel at every size, with the pickling cost of each size."""

    measurements: tuple[Measurement, ...]
    pickling: dict[int, float]
    method: str

    @property
    def channels(self) -> list[str]:
        """Channels measured, in the order given."""
        return list(dict.fromkeys(m.channel for m in self.measurements))

    @property
    def sizes(self) -> list[int]:
        """Message sizes measured, smallest first."""
        return sorted({m.size for m in self.measurements})

    def get(self, channel: str, size: int) -> Measurement:
        """The measurement of one channel at one size."""
        for m in self.measurements:
            if m.channel == channel and m.size == size:
                return m
        raise KeyError(f"no measurement of {channel!r} at {size} bytes; measured {self.channels} at {self.sizes}")

    def series(self, metric: str) -> dict[str, tuple[list[int], list[float]]]:
        """{channel: (sizes, values)} of one metric: 'messages_per_second', 'megabytes_per_second' or 'round_trip_us'."""
        allowed = ("messages_per_second", "megabytes_per_second", "round_trip_us")
        if metric not in allowed:
            raise ValueError(f"metric must be one of {allowed}, got {metric!r}")
        values = {
            "messages_per_second": lambda m: m.messages_per_second,
            "megabytes_per_second": lambda m: m.megabytes_per_second,
            "round_trip_us": lambda m: m.round_trip * 1e6,
        }[metric]
        return {c: (self.sizes, [values(self.get(c, s)) for s in self.sizes]) for c in self.channels}

    def table(self) -> str:
        """Messages/s, MB/s and round trip for each size and channel, as plain text."""
        lines = [f"start method {self.method}; each message is a bytes object of the given size"]
        header = f"{'size':>7}  {'channel':<16} {'messages/s':>11} {'MB/s':>8} {'round trip':>11}"
        for size in self.sizes:
            lines += ["", header]
            for channel in self.channels:
                m = self.get(channel, size)
                lines.append(
                    f"{format_size(size):>7}  {channel:<16} {m.messages_per_second:>11,.0f} "
                    f"{m.megabytes_per_second:>8,.0f} {_format_us(m.round_trip):>11}"
                )
            lines.append(f"{'':>7}  {'(pickle+unpickle':<16} {'':>11} {'':>8} {_format_us(self.pickling[size]):>11})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def _format_us(seconds: float) -> str:
    """Microseconds or milliseconds, whichever reads better."""
    return f"{seconds * 1e3:,.1f} ms" if seconds >= 1e-2 else f"{seconds * 1e6:,.1f} µs"


def messages_for(size: int, budget_bytes: int, most: int, least: int = 3) -> int:
    """How many messages of ``size`` bytes fit the byte budget, between ``least`` and ``most``."""
    require_int("size", size, minimum=1)
    require_int("budget_bytes", budget_bytes, minimum=1)
    require_int("most", most, minimum=1)
    require_int("least", least, minimum=1)
    return max(least, min(most, budget_bytes // size))


def run_benchmark(
    channels: Sequence[str] | None = None,
    sizes: Sequence[int] = SIZES,
    *,
    budget_bytes: int = 10_000_000,
    most_messages: int = 3_000,
    most_trips: int = 200,
    method: str | None = None,
    timeout: float = 60.0,
    progress: bool = True,
    on_result: Callable[[Measurement], None] | None = None,
) -> Benchmark:
    """Measure every channel at every size: streaming throughput (fastest of 3 blocks) and round trips (median).

    Each (channel, size) streams about ``budget_bytes`` per block (at most ``most_messages``
    messages) and makes about ``budget_bytes`` / 10 of round trips (at most ``most_trips``).
    """
    chosen = list(channels) if channels is not None else list(available_channels())
    if not chosen:
        raise ValueError(f"channels is empty: choose from {list(available_channels())}")
    for channel in chosen:
        require_channel(channel)
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence) or not sizes:
        raise ValueError(f"sizes must be a non-empty list of message sizes in bytes, got {sizes!r}")
    for size in sizes:
        require_int("each size", size, minimum=1)
    require_int("budget_bytes", budget_bytes, minimum=1)
    if method is not None:
        require_start_method(method)
    from helpers.measure import progress as progress_bar

    pairs = [(c, s) for s in sorted(set(sizes)) for c in chosen]
    results = []
    steps = progress_bar(pairs, "channels × sizes") if progress else iter(pairs)
    for channel, size in steps:
        count = messages_for(size, budget_bytes, most_messages)
        trips = messages_for(size, max(1, budget_bytes // 10), most_trips)
        measurement = Measurement(
            channel, size,
            stream_rate(channel, size, count, method=method, timeout=timeout),
            round_trip(channel, size, trips, method=method, timeout=timeout),
        )
        results.append(measurement)
        if on_result is not None:
            on_result(measurement)
    used = method or multiprocessing.get_start_method()
    return Benchmark(tuple(results), {s: pickle_cost(s) for s in sorted(set(sizes))}, used)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print the benchmark table for this machine."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.ipc_benchmark",
        description="Throughput and round-trip latency of Pipe, Queue, SimpleQueue and os.pipe across message sizes.",
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="message sizes in bytes (default: %(default)s)")
    parser.add_argument("--channels", nargs="+", default=list(available_channels()), choices=available_channels())
    parser.add_argument("--budget-mb", type=float, default=50.0, help="MB streamed per block for each channel and size (default: %(default)s)")
    parser.add_argument("--method", choices=available_methods(), default=None, help="start method (default: this platform's)")
    args = parser.parse_args(argv)
    if args.budget_mb <= 0:
        parser.error(f"--budget-mb must be > 0, got {args.budget_mb}")
    if any(size < 1 for size in args.sizes):
        parser.error(f"--sizes must all be ≥ 1 byte, got {args.sizes}")
    from helpers.machine import fingerprint

    if args.method:
        multiprocessing.set_start_method(args.method, force=True)
    print(fingerprint().describe(), file=sys.stderr)
    result = run_benchmark(
        args.channels, args.sizes, budget_bytes=int(args.budget_mb * 1e6), most_messages=20_000, most_trips=2_000,
    )
    print(result.table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
