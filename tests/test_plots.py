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
    assert [t.get_text() for t in ax.get_yticklabels()] == ["fork", "spawn"]
    assert {t.get_text() for t in ax.texts} >= {"1.50", "20.0"}
    assert ax.get_xlabel() == "ms per process" and _stamped(fig)
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
    assert [ax.get_xlabel() for ax in fig.axes] == ["ms", "MiB"] and _stamped(fig)
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


@pytest.mark.parametrize("value, text", [
    (1650.0, "1,650"), (250.4, "250"), (37.64, "37.6"), (2.454, "2.45"), (0.00977, "0.0098"), (0.0, "0"),
    (0.00004, "4.0e-05"), (-12.5, "-12.5"),
])
def test_numbers_on_bars_read_as_people_write_them(value, text):
    from helpers.plots import readable_number

    assert readable_number(value) == text


def test_a_log_bar_chart_refuses_values_it_cannot_show():
    with pytest.raises(ValueError, match="> 0 for a log scale"):
        plot_bars({"a": 0.0, "b": 1.0}, "x", "t", log=True)


# ------------------------------------------------- no plot helper lets its labels run into each other

LONG = ["ThreadPoolExecutor", "InterpreterPoolExecutor", "ProcessPoolExecutor", "Pool",
        "joblib, batch_size='auto'", "a Manager().dict() proxy, from another process"]


def _long_label_figures():
    """Every plot helper, fed the longest labels the notebooks use (and some longer)."""
    from helpers.plots import plot_bar_panels, plot_series, plot_series_panels, plot_speedup_comparison

    values = {label: 10.0 ** (i - 2) * 1.65 for i, label in enumerate(LONG)}
    records = [TaskRecord(i, 100 + i % 4, 1, i * 0.1, i * 0.1 + 0.1) for i in range(12)]
    series = {label: ([1, 2, 4, 8, 16, 32, 64], [1, 1.9, 3.7, 7, 12, 20, 30]) for label in LONG[:4]}
    many = replace(fingerprint(), cpus=MACHINES["128 logical on 64 cores"][0])
    yield "plot_bars", plot_bars(values, "µs per do-nothing task (log)", "What each engine costs per task", log=True)
    yield "plot_bars linear", plot_bars(values, "ms", "linear")
    yield "plot_bar_panels", plot_bar_panels([(values, "ms per worker", "Starting a worker"), (values, "MiB", "Memory")])
    yield "plot_series", plot_series(series, "workers", "speedup", "many lines", logx=True)
    yield "plot_series_panels", plot_series_panels([(series, "s", "one"), (series, "s", "two")], "message size",
                                                   logx=True, xticklabels=lambda x: f"{x:g} thousand bytes")
    yield "plot_speedup", plot_speedup(_sweep(machine=many))
    yield "plot_speedup_comparison", plot_speedup_comparison({label: _sweep(machine=many) for label in LONG[:4]}, "engines")
    yield "plot_timeline", plot_timeline(records, "a timeline", names={100: "the producer process, named at length"})
    yield "plot_timelines", plot_timelines({label: records for label in LONG[:3]})


def _overlapping(labels, renderer):
    """Pairs of labels closer than 8 pixels, a space and a half (closer, two numbers read as one)."""
    boxes = [(t.get_text(), t.get_window_extent(renderer).padded(4)) for t in labels
             if t.get_visible() and t.get_text()]
    return [(a, b) for i, (a, box_a) in enumerate(boxes) for b, box_b in boxes[i + 1:] if box_a.overlaps(box_b)]


def test_no_plot_helper_lets_tick_labels_or_bar_numbers_overlap():
    problems = []
    for name, fig in _long_label_figures():
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        for number, ax in enumerate(fig.axes):
            for axis, labels in (("x", ax.get_xticklabels()), ("y", ax.get_yticklabels()), ("numbers", ax.texts)):
                for a, b in _overlapping(labels, renderer):
                    problems.append(f"{name}, panel {number + 1}, {axis}: {a!r} overlaps {b!r}")
            # A label pushed out of the figure cannot be read either.
            inside = fig.bbox
            for label in [*ax.get_yticklabels(), *ax.texts]:
                box = label.get_window_extent(renderer)
                if label.get_visible() and label.get_text() and (box.x0 < inside.x0 - 1 or box.x1 > inside.x1 + 1):
                    problems.append(f"{name}, panel {number + 1}: {label.get_text()!r} is cut off at the figure's edge")
        plt.close(fig)
    assert not problems, "\n".join(problems)


def test_the_overlap_check_catches_overlapping_labels():
    """A test of the test: vertical bars with these labels, as the course drew them before, must fail it."""
    from helpers.plots import projector_style

    with projector_style():
        fig, ax = plt.subplots(figsize=(9, 5))
        ax.bar(LONG[:4], [1, 2, 3, 4])
    fig.canvas.draw()
    assert _overlapping(ax.get_xticklabels(), fig.canvas.get_renderer())
