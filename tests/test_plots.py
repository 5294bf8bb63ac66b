"""Plots: ideal line, Amdahl fit, fingerprint stamp, projector fonts, timeline rows; bad input."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from dataclasses import replace  # noqa: E402

from helpers.cpus import CpuProfile  # noqa: E402
from helpers.machine import fingerprint  # noqa: E402
from helpers.measure import SpeedupSweep, SweepRow  # noqa: E402
from helpers.plots import plot_bars, plot_speedup, plot_timeline, plot_timelines  # noqa: E402
from helpers.tasks import TaskRecord  # noqa: E402
from test_cpus import MACHINES  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


TWO_CPUS = replace(fingerprint(), cpus=CpuProfile(2, 2, 2, None))


def _sweep(serial_fraction=0.05, machine=TWO_CPUS):
    rows = (SweepRow(1, 1.0, 1.0, 1.0), SweepRow(2, 0.55, 1.82, 0.91), SweepRow(4, 0.5, 2.0, 0.5))
    return SpeedupSweep(rows, serial_fraction, machine, 12, "traced_cpu", 2)


def _stamped(fig, machine=TWO_CPUS):
    return any(machine.stamp() == t.get_text() for t in fig.texts)


def test_speedup_plot_has_ideal_fit_measured_and_stamp():
    fig = plot_speedup(_sweep())
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["ideal (speedup = workers, up to the CPUs)", "Amdahl fit on 1–2 workers (serial fraction 5.0%)", "measured"]
    assert ax.get_xlabel() == "worker processes" and "speedup" in ax.get_ylabel()
    (measured,) = [line for line in ax.get_lines() if line.get_label() == "measured"]
    assert list(measured.get_xdata()) == [1, 2, 4] and list(measured.get_ydata()) == [1.0, 1.82, 2.0]
    assert _stamped(fig)
    assert ax.title.get_fontsize() >= 12 and ax.xaxis.label.get_fontsize() >= 12


def test_speedup_plot_without_fit_still_draws_ideal_and_measured():
    fig = plot_speedup(_sweep(None))
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["ideal (speedup = workers, up to the CPUs)", "measured"]


def test_speedup_plot_rejects_other_input():
    with pytest.raises(TypeError, match="result of speedup_sweep"):
        plot_speedup([(1, 1.0)])


def test_timeline_has_one_row_per_worker_and_one_bar_per_task():
    records = [TaskRecord(i, 100 + i % 2, 1, i * 0.1, i * 0.1 + 0.1) for i in range(6)]
    fig = plot_timeline(records, "two processes")
    ax = fig.axes[0]
    assert len(ax.patches) == 6
    assert [t.get_text() for t in ax.get_yticklabels()] == ["process 1", "process 2"]
    assert ax.get_title() == "two processes" and "time" in ax.get_xlabel()
    assert _stamped(fig)


def test_timeline_labels_threads_of_one_process():
    records = [TaskRecord(i, 100, 1 + i % 3, i * 0.1, i * 0.1 + 0.1) for i in range(6)]
    fig = plot_timelines({"threads": records, "serial": records[:2]})
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["thread 1", "thread 2", "thread 3"]
    assert len(fig.axes) == 2


@pytest.mark.parametrize("panels, error", [({}, ValueError), ({"x": []}, TypeError), ({"x": [1, 2]}, TypeError)])
def test_timelines_reject_bad_input(panels, error):
    with pytest.raises(error):
        plot_timelines(panels)


def test_bars_are_labelled_with_their_values():
    fig = plot_bars({"fork": 1.5, "spawn": 20.0}, "ms per process", "start cost")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["fork", "spawn"]
    assert {t.get_text() for t in ax.texts} >= {"1.5", "20"}
    assert ax.get_ylabel() == "ms per process" and _stamped(fig)
    with pytest.raises(ValueError, match="non-empty dict"):
        plot_bars({}, "y", "t")


def test_series_plot_draws_each_series_with_log_x_ticks():
    from helpers.plots import plot_series

    fig = plot_series({"cpu": ([1, 2, 16], [1.0, 0.5, 0.6]), "io": ([1, 2, 16], [1.0, 0.5, 0.1])}, "processes", "s", "t", logx=True)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["cpu", "io"]
    assert ax.get_xscale() == "log" and [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "16"]
    assert _stamped(fig)
    with pytest.raises(ValueError, match="as many y values"):
        plot_series({"x": ([1, 2], [1.0])}, "x", "y", "t")
    with pytest.raises(ValueError, match="non-empty dict"):
        plot_series({}, "x", "y", "t")


def test_timeline_with_many_workers_drops_row_labels():
    records = [TaskRecord(i, 1000 + i, 1, i * 0.01, i * 0.01 + 0.01) for i in range(30)]
    ax = plot_timeline(records, "thirty").axes[0]
    assert ax.get_yticks().size == 0 and "30 processes" in ax.get_ylabel()


def test_bar_panels_side_by_side():
    from helpers.plots import plot_bar_panels

    fig = plot_bar_panels([({"a": 1.0}, "ms", "time"), ({"a": 2.0, "b": 3.0}, "MiB", "memory")])
    assert [ax.get_title() for ax in fig.axes] == ["time", "memory"]
    assert [ax.get_ylabel() for ax in fig.axes] == ["ms", "MiB"] and _stamped(fig)
    with pytest.raises(ValueError, match="non-empty list"):
        plot_bar_panels([])
    with pytest.raises(ValueError, match="non-empty dict"):
        plot_bar_panels([({}, "y", "t")])


def test_timeline_rows_can_be_named_by_pid():
    records = [TaskRecord(i, 100 + i % 2, 1, i * 0.1, i * 0.1 + 0.1) for i in range(4)]
    ax = plot_timeline(records, "named", names={100: "producer"}).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["producer", "process 2"]


def test_series_panels_share_sizes_with_custom_tick_labels():
    from helpers.plots import plot_series_panels

    series = {"Queue": ([100, 10_000], [3e5, 1e5]), "Pipe": ([100, 10_000], [5e5, 2e5])}
    fig = plot_series_panels(
        [(series, "messages/s", "throughput"), (series, "µs", "latency")], "size", logx=True, logy=True,
        xticklabels=lambda size: f"{size:,} B",
    )
    first, second = fig.axes[:2]
    assert [ax.get_title() for ax in (first, second)] == ["throughput", "latency"]
    assert [t.get_text() for t in first.get_xticklabels()] == ["100 B", "10,000 B"]
    assert first.get_legend() is not None and second.get_legend() is None  # one legend serves both
    assert first.get_yscale() == "log" and _stamped(fig)
    with pytest.raises(ValueError, match="log scale"):
        plot_series_panels([({"x": ([0, 1], [1.0, 2.0])}, "y", "t")], "x", logx=True)
    with pytest.raises(ValueError, match="non-empty list"):
        plot_series_panels([], "x")


def test_speedup_comparison_draws_each_engine_and_the_ideal():
    from helpers.plots import plot_speedup_comparison

    fig = plot_speedup_comparison({"Pool": _sweep(), "Dask": _sweep(None)}, "engines")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["ideal (speedup = workers, up to the CPUs)", "Pool (serial fraction 5.0%)", "Dask"] and _stamped(fig)
    with pytest.raises(ValueError, match="non-empty dict"):
        plot_speedup_comparison({}, "t")
    with pytest.raises(TypeError, match="must be a SpeedupSweep"):
        plot_speedup_comparison({"x": [1, 2]}, "t")


def _sized_sweep(profile, tasks=None):
    """A sweep over the counts helpers.sizing would plot on this machine, with made-up times."""
    from helpers.sizing import TASKS_PER_WORKER, sweep_counts

    counts = sweep_counts(profile)
    tasks = tasks or TASKS_PER_WORKER * max(n for n in counts if n <= profile.effective)
    rows = tuple(SweepRow(n, 1 / min(n, profile.effective), min(n, profile.effective), min(n, profile.effective) / n) for n in counts)
    machine = replace(fingerprint(), cpus=profile)
    return SpeedupSweep(rows, 0.02, machine, tasks, "traced_cpu_task", profile.cores_for_fit), machine


@pytest.mark.parametrize("name", list(MACHINES))
def test_speedup_plots_mark_the_hardware_on_every_machine(name):
    profile = MACHINES[name][0]
    sweep, machine = _sized_sweep(profile)
    fig = plot_speedup(sweep)
    ax = fig.axes[0]
    texts = [t.get_text().strip() for t in ax.texts]
    top = max(r.workers for r in sweep.rows)
    if profile.effective <= top:
        assert f"{profile.effective} CPUs" in texts
    if profile.smt and profile.cores_for_fit < min(profile.effective, top):
        assert f"{profile.cores_for_fit} cores" in texts
    assert ax.get_xscale() == ("log" if top >= 16 else "linear")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert not any(label.startswith("most that") for label in labels), "4 tasks per worker: the task count must not bind"
    assert _stamped(fig, machine)
    _assert_tick_labels_do_not_overlap(fig)


def test_the_task_ceiling_is_drawn_where_too_few_tasks_bind():
    sweep, _ = _sized_sweep(CpuProfile(16, 8, 16, None), tasks=12)
    labels = [t.get_text() for t in plot_speedup(sweep).axes[0].get_legend().get_texts()]
    assert "most that 12 tasks allow (tasks ÷ rounds)" in labels


def _assert_tick_labels_do_not_overlap(fig):
    fig.canvas.draw()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            boxes = [label.get_window_extent() for label in axis.get_ticklabels() if label.get_text() and label.get_visible()]
            for first, second in zip(boxes, boxes[1:]):
                assert not first.overlaps(second), f"tick labels overlap on {ax.get_title()!r}"
