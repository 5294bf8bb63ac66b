"""Course plots: speedup with ideal line and Amdahl fit, task timelines, bar charts.

Every figure uses projector-sized fonts and carries the machine fingerprint, so a plot
always says what machine, start method and Python produced it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Iterator

from helpers.machine import Fingerprint, fingerprint
from helpers.measure import SpeedupSweep, amdahl_speedup, task_ceiling
from helpers.tasks import TaskRecord

PROJECTOR_STYLE = {
    "font.size": 13,
    "axes.titlesize": 15,
    "axes.labelsize": 14,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 12,
    "figure.dpi": 100,
}


@contextmanager
def projector_style() -> Iterator[None]:
    """Matplotlib settings readable from the back of a classroom."""
    import matplotlib.pyplot as plt

    # Make pyplot load its backend now: loaded inside rc_context, the inline backend's
    # interactive setting would be undone on exit, and later figures would not display.
    plt.close(plt.figure())
    with plt.rc_context(PROJECTOR_STYLE):
        yield


def stamp(figure: Any, machine: Fingerprint | None = None) -> None:
    """Write the machine fingerprint in the figure's bottom-right corner."""
    machine = machine or fingerprint()
    figure.text(0.99, 0.005, machine.stamp(), ha="right", va="bottom", fontsize=12, color="0.35")


def plot_speedup(sweep: SpeedupSweep, title: str | None = None) -> Any:
    """Measured speedup against workers, beside the ideal line, the Amdahl's-law fit, the cores and the task ceiling."""
    import matplotlib.pyplot as plt

    if not isinstance(sweep, SpeedupSweep):
        raise TypeError(f"sweep must be the result of speedup_sweep(), got {type(sweep).__name__}")
    counts = [r.workers for r in sweep.rows]
    top = max(counts)
    with projector_style():
        fig, ax = plt.subplots(figsize=(9, 5.5))
        _ideal(ax, sweep.machine, top)
        _task_ceiling(ax, sweep.task_count, counts)
        if sweep.serial_fraction is not None:  # drawn up to the CPUs: the law knows nothing of workers sharing a CPU
            right = min(top, sweep.machine.effective_cpus)
            xs = [1 + i * (right - 1) / 100 for i in range(101)]
            ax.plot(
                xs,
                [amdahl_speedup(sweep.serial_fraction, x) for x in xs],
                ":",
                color="tab:orange",
                linewidth=2.5,
                label=f"Amdahl fit on 1–{sweep.fit_limit} workers (serial fraction {sweep.serial_fraction:.1%})",
            )
        ax.plot(counts, [r.speedup for r in sweep.rows], "o-", color="tab:blue", markersize=8, label="measured")
        _hardware_marks(ax, sweep.machine, top)
        title = title or f"Speedup of {sweep.task_count} × {sweep.worker_name}"
        _finish_speedup_plot(fig, ax, counts, "worker processes", title, sweep.machine)
    return fig


def plot_speedup_comparison(sweeps: Mapping[str, SpeedupSweep], title: str) -> Any:
    """Several engines' measured speedups on one plot, beside the ideal line; each label carries its serial fraction."""
    import matplotlib.pyplot as plt

    if not isinstance(sweeps, Mapping) or not sweeps:
        raise ValueError("sweeps must be a non-empty dict of {engine name: result of a speedup sweep}")
    for name, sweep in sweeps.items():
        if not isinstance(sweep, SpeedupSweep):
            raise TypeError(f"sweep {name!r} must be a SpeedupSweep, got {type(sweep).__name__}")
    counts = sorted({r.workers for sweep in sweeps.values() for r in sweep.rows})
    top = max(counts)
    machine = next(iter(sweeps.values())).machine
    with projector_style():
        fig, ax = plt.subplots(figsize=(9, 5.5))
        _ideal(ax, machine, top)
        _task_ceiling(ax, min(sweep.task_count for sweep in sweeps.values()), counts)
        for name, sweep in sweeps.items():
            fit = "" if sweep.serial_fraction is None else f" (serial fraction {sweep.serial_fraction:.1%})"
            ax.plot([r.workers for r in sweep.rows], [r.speedup for r in sweep.rows], "o-", markersize=8, label=name + fit)
        _hardware_marks(ax, machine, top)
        _finish_speedup_plot(fig, ax, counts, "workers", title, machine)
    return fig


def _ideal(ax: Any, machine: Fingerprint, top: int) -> None:
    """The ideal line: speedup = workers, up to the CPUs the pools may use, flat beyond them."""
    cpus = machine.cpus.effective
    xs = [1, min(cpus, top)] + ([top] if top > cpus else [])
    ax.plot(xs, [min(x, cpus) for x in xs], "--", color="0.5", label="ideal (speedup = workers, up to the CPUs)")


def _task_ceiling(ax: Any, tasks: int, counts: Sequence[int]) -> None:
    """Where too few tasks cap the speedup (tasks ÷ ⌈tasks ÷ workers⌉ < workers), draw that ceiling."""
    ceilings = [task_ceiling(tasks, n) for n in counts]
    if any(c < n - 1e-9 for c, n in zip(ceilings, counts)):
        ax.plot(counts, ceilings, "s-", color="tab:green", alpha=0.6, markersize=5,
                label=f"most that {tasks} tasks allow (tasks ÷ rounds)")


def _hardware_marks(ax: Any, machine: Fingerprint, top: int) -> None:
    """Vertical lines at the physical cores (with SMT) and at the CPUs the pools may use, where they fall in range."""
    cpus = machine.cpus
    marks = []
    if cpus.smt and cpus.cores_for_fit < min(cpus.effective, top):
        marks.append((cpus.cores_for_fit, f" {cpus.cores_for_fit} cores", "tab:purple"))
    if cpus.effective <= top:
        marks.append((cpus.effective, f" {cpus.effective} CPUs", "tab:red"))
    for x, text, color in marks:
        ax.axvline(x, color=color, alpha=0.4)
        ax.text(x, 0.02, text, color=color, va="bottom", fontsize=12, transform=ax.get_xaxis_transform())


def _finish_speedup_plot(fig: Any, ax: Any, counts: Sequence[int], xlabel: str, title: str, machine: Fingerprint) -> None:
    """Axes, legend, grid and machine stamp shared by the speedup plots."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel("speedup over 1 worker (×)")
    if max(counts) >= 16:  # many CPUs: doublings equally spaced, so 1, 2 and 4 workers do not crowd into a corner
        from matplotlib.ticker import FixedLocator, NullLocator, ScalarFormatter

        ax.set_xscale("log", base=2)
        ax.set_yscale("log", base=2)
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(ScalarFormatter())
            axis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_locator(FixedLocator([2**k for k in range(max(counts).bit_length() + 1)]))
        ax.set_ylim(0.5, 2 * max(counts))
    else:
        ax.set_ylim(bottom=0)
    ax.set_xticks(counts)
    ax.set_title(title)
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    _thin_crowded_ticks(fig)
    stamp(fig, machine)


def plot_timelines(
    panels: Mapping[str, Sequence[TaskRecord]], title: str | None = None, names: Mapping[int, str] | None = None
) -> Any:
    """One timeline per panel: a row per worker (process and thread), a bar per task, shared time axis.

    ``names`` labels rows by pid (for example {producer.pid: "producer"}); other rows are numbered.
    """
    import matplotlib.pyplot as plt

    if not isinstance(panels, Mapping) or not panels:
        raise ValueError("panels must be a non-empty dict of {panel title: list of TaskRecord}")
    for name, records in panels.items():
        if not records or not all(isinstance(r, TaskRecord) for r in records):
            raise TypeError(f"panel {name!r} must be a non-empty list of TaskRecord (from a traced_* worker)")
    heights = [max(1.6, min(0.55 * len(_workers(records)), 5.0) + 1.0) for records in panels.values()]
    with projector_style():
        fig, axes = plt.subplots(
            len(panels), 1, figsize=(10, sum(heights) + 0.8), sharex=True, squeeze=False,
            gridspec_kw={"height_ratios": heights},
        )
        for ax, (name, records) in zip(axes[:, 0], panels.items()):
            _draw_timeline(ax, records, name, names or {})
        axes[-1, 0].set_xlabel("wall-clock time since the first task started (s)")
        if title:
            fig.suptitle(title)
        fig.tight_layout(rect=(0, 0.04, 1, 1))
        stamp(fig)
    return fig


def plot_timeline(records: Sequence[TaskRecord], title: str, names: Mapping[int, str] | None = None) -> Any:
    """A single task timeline: one row per worker, one bar per task."""
    return plot_timelines({title: records}, names=names)


MAX_LABELLED_ROWS = 20


def _workers(records: Sequence[TaskRecord]) -> list[tuple[int, int]]:
    """(pid, thread) pairs in the order each worker first started a task."""
    order: dict[tuple[int, int], None] = {}
    for r in sorted(records, key=lambda r: r.start):
        order.setdefault((r.pid, r.thread), None)
    return list(order)


def _draw_timeline(ax: Any, records: Sequence[TaskRecord], name: str, names: Mapping[int, str]) -> None:
    """Draw one panel of a task timeline."""
    workers = _workers(records)
    row_of = {w: i for i, w in enumerate(workers)}
    t0 = min(r.start for r in records)
    colours = [f"C{i}" for i in range(10)]
    for r in records:
        row = row_of[(r.pid, r.thread)]
        ax.barh(row, r.end - r.start, left=r.start - t0, height=0.7, color=colours[r.task_id % 10], edgecolor="white")
        if len(records) <= 40 and len(workers) <= MAX_LABELLED_ROWS:  # room for a label on each bar
            ax.text(r.start - t0 + (r.end - r.start) / 2, row, str(r.task_id), ha="center", va="center", fontsize=12, color="white")
    processes = len({pid for pid, _ in workers})
    kind = "thread" if processes == 1 and len(workers) > 1 else "process"
    if len(workers) <= MAX_LABELLED_ROWS:
        ax.set_yticks(range(len(workers)), [names.get(pid, f"{kind} {i + 1}") for i, (pid, _) in enumerate(workers)])
    else:  # too many rows to label one by one
        ax.set_yticks([])
        ax.set_ylabel(f"{len(workers)} {kind}es,\none row each" if kind == "process" else f"{len(workers)} threads")
    ax.invert_yaxis()
    ax.set_title(name)
    ax.grid(axis="x", alpha=0.3)


def plot_bars(values: Mapping[str, float], ylabel: str, title: str, *, log: bool = False) -> Any:
    """A labelled bar chart of a few measured values, each written on its bar."""
    return plot_bar_panels([(values, ylabel, title)], log=log)


def plot_bar_panels(panels: Sequence[tuple[Mapping[str, float], str, str]], *, log: bool = False) -> Any:
    """Bar charts side by side, one per (values, ylabel, title), each value written at the end of its bar.

    The bars are horizontal, so that labels as long as "InterpreterPoolExecutor" sit one under the other instead
    of running into each other; ``ylabel`` names the values' unit (on the value axis).
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    if not panels:
        raise ValueError("panels must be a non-empty list of (values, ylabel, title)")
    for values, _, _ in panels:
        if not isinstance(values, Mapping) or not values:
            raise ValueError("values must be a non-empty dict of {label: number}")
        if log and min(float(v) for v in values.values()) <= 0:
            raise ValueError("values must all be > 0 for a log scale")
    most = max(len(values) for values, _, _ in panels)
    with projector_style():
        width = 9 if len(panels) == 1 else 6.5 * len(panels)
        fig, axes = plt.subplots(1, len(panels), figsize=(width, 1.6 + 0.65 * most), squeeze=False)
        for ax, (values, unit, title) in zip(axes[0], panels):
            labels = [textwrap.fill(str(label), 26) for label in values]
            sizes = [float(v) for v in values.values()]
            bars = ax.barh(range(len(sizes)), sizes, color=[f"C{i}" for i in range(len(sizes))])
            ax.set_yticks(range(len(sizes)), labels)
            ax.invert_yaxis()  # the first value on top, in reading order
            ax.bar_label(bars, labels=[readable_number(v) for v in sizes], padding=4)
            ax.set_xlabel(unit)
            ax.set_title(title)
            if log:
                ax.set_xscale("log")
                ax.set_xlim(min(sizes) / 3, max(sizes) * 6)  # room for the number after the longest bar
            else:
                ax.set_xlim(min(0, min(sizes) * 1.3), max(max(sizes) * 1.3, 0) or 1)
                ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
            ax.grid(axis="x", alpha=0.3)
        fig.tight_layout(rect=(0, 0.05, 1, 1))
        _thin_crowded_ticks(fig)
        stamp(fig)
    return fig


def readable_number(value: float) -> str:
    """A measured number as a person reads it: 1,650 (not 1.65e+03), 37.6, 2.45, 0.0098."""
    size = abs(value)
    if size >= 1000:
        return f"{value:,.0f}"
    if size >= 100:
        return f"{value:.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 1:
        return f"{value:.2f}"
    if size == 0:
        return "0"
    if size >= 0.001:
        return f"{value:.2g}"
    return f"{value:.1e}"


def plot_series(
    series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    xlabel: str,
    ylabel: str,
    title: str,
    *,
    logx: bool = False,
    logy: bool = False,
    xticklabels: Callable[[float], str] | None = None,
) -> Any:
    """Several measured series as lines with markers: {label: (xs, ys)}."""
    return plot_series_panels([(series, ylabel, title)], xlabel, logx=logx, logy=logy, xticklabels=xticklabels)


def plot_series_panels(
    panels: Sequence[tuple[Mapping[str, tuple[Sequence[float], Sequence[float]]], str, str]],
    xlabel: str,
    *,
    logx: bool = False,
    logy: bool | Sequence[bool] = False,
    xticklabels: Callable[[float], str] | None = None,
) -> Any:
    """Panels side by side, each a few measured series {label: (xs, ys)} with its ylabel and title.

    The legend of the first panel serves all (the same series in every panel keep the same colour).
    ``logy`` is one flag for all panels or one per panel. ``xticklabels`` turns each measured x
    into its tick label (for example 10_000 → '10 kB').
    """
    import matplotlib.pyplot as plt

    if not panels:
        raise ValueError("panels must be a non-empty list of (series, ylabel, title)")
    log_ys = [logy] * len(panels) if isinstance(logy, bool) else list(logy)
    if len(log_ys) != len(panels):
        raise ValueError(f"logy must be one flag or one per panel ({len(panels)}), got {len(log_ys)}")
    for (series, _, _), log_y in zip(panels, log_ys):
        if not isinstance(series, Mapping) or not series:
            raise ValueError("series must be a non-empty dict of {label: (xs, ys)}")
        for label, (xs, ys) in series.items():
            if len(xs) != len(ys) or not xs:
                raise ValueError(f"series {label!r} needs as many y values as x values, and at least one")
            if (logx and min(xs) <= 0) or (log_y and min(ys) <= 0):
                raise ValueError(f"series {label!r} has values ≤ 0, which a log scale cannot show")
    width = 9 if len(panels) == 1 else 6.5 * len(panels)
    with projector_style():
        fig, axes = plt.subplots(1, len(panels), figsize=(width, 5.5), squeeze=False)
        for number, (ax, (series, ylabel, title), log_y) in enumerate(zip(axes[0], panels, log_ys)):
            for label, (xs, ys) in series.items():
                ax.plot(xs, ys, "o-", markersize=8, label=label)
            ticks = sorted({x for xs, _ in series.values() for x in xs})
            if logx:
                ax.set_xscale("log", base=10 if xticklabels else 2)
                ax.minorticks_off()
            if logx or xticklabels or len(ticks) <= 12:  # a tick at each measured x, when they are few
                ax.set_xticks(ticks, [xticklabels(x) if xticklabels else f"{x:g}" for x in ticks])
            if log_y:
                ax.set_yscale("log")
            else:
                ax.set_ylim(bottom=0)
            ax.set_xlabel(xlabel)
            ax.set_ylabel(ylabel)
            ax.set_title(title)
            if number == 0:
                ax.legend()
            ax.grid(alpha=0.3)
        fig.tight_layout(rect=(0, 0.04, 1, 1))
        _thin_crowded_ticks(fig)
        stamp(fig)
    return fig


MIN_GAP = 8  # pixels between two tick labels, about a space and a half: closer, they read as one number


def _thin_crowded_ticks(fig: Any) -> None:
    """Where x tick labels would run into each other: wrap them onto two lines, then, if still crowded, label
    every other tick (the points stay; the axis still reads at a glance, and no text needs tilting)."""
    for _ in range(4):
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        changed = False
        for ax in fig.axes:
            ticks, labels = list(ax.get_xticks()), [t.get_text() for t in ax.get_xticklabels()]
            boxes = [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_visible() and t.get_text()]
            boxes.sort(key=lambda box: box.x0)
            if not any(left.x1 + MIN_GAP > right.x0 for left, right in zip(boxes, boxes[1:])):
                continue
            wrapped = [textwrap.fill(label, 10) for label in labels]
            if wrapped != labels:
                ax.set_xticks(ticks, wrapped)
            else:
                shown = [i for i, label in enumerate(labels) if label]
                ax.set_xticks(ticks, [label if i not in shown[1::2] else "" for i, label in enumerate(labels)])
            changed = True
        if not changed:
            return
        fig.tight_layout(rect=(0, 0.04, 1, 1))
