"""helpers.ipc_benchmark: every channel delivers under every start method; bad input is refused; the CLI prints the table."""

import multiprocessing
import os
import subprocess
import sys

import pytest

from helpers.start_methods import available_methods
from helpers.ipc_benchmark import (
    CHANNELS,
    Benchmark,
    Measurement,
    available_channels,
    format_size,
    messages_for,
    pickle_cost,
    round_trip,
    run_benchmark,
    stream_rate,
)

METHODS = available_methods()


@pytest.fixture(autouse=True)
def no_children_left():
    yield
    assert multiprocessing.active_children() == [], "a measurement left a child process running"


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("channel", available_channels())
def test_every_channel_streams_and_echoes(channel, method):
    # 100 kB messages are larger than a pipe's buffer: partial reads and writes must be handled.
    assert 0 < stream_rate(channel, 100_000, 5, blocks=2, method=method, timeout=60) < 60
    assert 0 < round_trip(channel, 100_000, 3, method=method, timeout=60) < 60


def test_raw_pipe_is_posix_only():
    assert ("os.pipe" in available_channels()) == (os.name == "posix")
    assert set(available_channels()) <= set(CHANNELS)


@pytest.mark.parametrize("call, error, text", [
    (lambda: stream_rate("carrier pigeon", 100, 1), ValueError, "channel must be one of"),
    (lambda: stream_rate("Queue", 0, 1), ValueError, "size must be ≥ 1"),
    (lambda: stream_rate("Queue", -5, 1), ValueError, "size must be ≥ 1"),
    (lambda: stream_rate("Queue", 100, 0), ValueError, "count must be ≥ 1"),
    (lambda: round_trip("Pipe.send", 100, 0), ValueError, "trips must be ≥ 1"),
    (lambda: round_trip("Pipe.send", 100, 1, timeout=0), ValueError, "timeout must be > 0"),
    (lambda: run_benchmark([], progress=False), ValueError, "channels is empty"),
    (lambda: run_benchmark(["Queue"], sizes=[], progress=False), ValueError, "non-empty list of message sizes"),
    (lambda: run_benchmark(["Queue"], sizes=[100, 0], progress=False), ValueError, "each size must be ≥ 1"),
    (lambda: run_benchmark(["Queue"], sizes=[100], method="teleport", progress=False), ValueError, "start method must be one of"),
    (lambda: pickle_cost(0), ValueError, "size must be ≥ 1"),
])
def test_bad_input_gets_a_clear_error(call, error, text):
    with pytest.raises(error, match=text):
        call()


def test_format_size_and_messages_for():
    assert [format_size(s) for s in (100, 1_000, 10_000, 1_000_000, 10_000_000, 1_500)] == [
        "100 B", "1 kB", "10 kB", "1 MB", "10 MB", "1.5 kB"]
    assert messages_for(100, 10_000_000, most=3_000) == 3_000
    assert messages_for(10_000_000, 10_000_000, most=3_000) == 3
    assert messages_for(1_000_000, 10_000_000, most=3_000) == 10


def test_benchmark_table_series_and_lookup():
    bench = run_benchmark(["Pipe.send_bytes", "Queue"], sizes=[1_000, 100], budget_bytes=20_000, progress=False)
    assert bench.sizes == [100, 1_000] and bench.channels == ["Pipe.send_bytes", "Queue"]
    assert all(m.messages_per_second > 0 and m.round_trip > 0 for m in bench.measurements)
    throughput = bench.series("messages_per_second")
    assert throughput["Queue"][0] == [100, 1_000] and len(throughput["Queue"][1]) == 2
    table = bench.table()
    assert "1 kB  Queue" in table and "(pickle+unpickle" in table and f"start method {bench.method}" in table
    with pytest.raises(KeyError, match="no measurement of 'Pipe.send'"):
        bench.get("Pipe.send", 100)
    with pytest.raises(ValueError, match="metric must be one of"):
        bench.series("bogomips")


def test_measurement_units():
    m = Measurement("Queue", 1_000_000, seconds_per_message=0.001, round_trip=0.002)
    assert m.messages_per_second == pytest.approx(1_000) and m.megabytes_per_second == pytest.approx(1_000)
    assert isinstance(Benchmark((m,), {1_000_000: 1e-4}, "spawn").table(), str)


def test_command_line_prints_the_table_and_refuses_bad_options():
    command = [sys.executable, "-m", "helpers.ipc_benchmark", "--sizes", "100", "--channels", "Pipe.send", "Queue", "--budget-mb", "0.01"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "100 B  Pipe.send" in done.stdout and "100 B  Queue" in done.stdout
    bad = subprocess.run([*command[:3], "--budget-mb", "0"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--budget-mb must be > 0" in bad.stderr
    bad = subprocess.run([*command[:3], "--channels", "smoke-signals"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
