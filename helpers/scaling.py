"""Compare machines from a terminal: the CPU profile, then a speedup sweep of the CPU-bound demo per start method.

    python -m helpers.scaling [--budget SECONDS] [--methods fork spawn ...] [--save plot.png]

Each sweep is planned for this machine (helpers.sizing: 4 tasks per worker, tasks long enough that sending
them costs under 1 %) within its own time budget, so the run takes about the same time on 2 CPUs as on 128.
The summary gives the efficiency at the physical cores and at all the CPUs, the two numbers worth comparing.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from collections.abc import Sequence

from helpers.machine import fingerprint
from helpers.measure import SpeedupSweep, speedup_sweep
from helpers.sizing import plan_sweep, seconds_per_iteration
from helpers.start_methods import available_methods
from helpers.tasks import traced_cpu_task


def efficiency_at(sweep: SpeedupSweep, workers: int) -> str:
    """The efficiency measured at ``workers`` workers, as a percentage, or '-' where the sweep has no such row."""
    rows = {row.workers: row for row in sweep.rows}
    return f"{rows[workers].efficiency:.0%}" if workers in rows else "-"


def summary(sweeps: dict[str, SpeedupSweep]) -> str:
    """One row per start method: speedup and efficiency at the physical cores and at the CPUs, and the Amdahl fit."""
    machine = next(iter(sweeps.values())).machine
    cores, cpus = machine.cpus.cores_for_fit, machine.effective_cpus
    lines = [
        f"{'start method':>12}  {'speedup at ' + str(cpus):>14}  {'efficiency at ' + str(cores) + ' cores':>22}  "
        f"{'at ' + str(cpus) + ' CPUs':>10}  {'serial fraction':>15}"
    ]
    for method, sweep in sweeps.items():
        rows = {row.workers: row for row in sweep.rows}
        fraction = "-" if sweep.serial_fraction is None else f"{sweep.serial_fraction:.1%}"
        lines.append(
            f"{method:>12}  {rows[cpus].speedup:>13.2f}×  {efficiency_at(sweep, cores):>22}  {efficiency_at(sweep, cpus):>10}  {fraction:>15}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print the profile, each start method's sweep, and the summary."""
    parser = argparse.ArgumentParser(prog="python -m helpers.scaling", description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=12.0, help="seconds for each start method's sweep (default: %(default)s)")
    parser.add_argument("--methods", nargs="+", choices=available_methods(), default=available_methods(),
                        help="start methods to sweep (default: all on this platform)")
    parser.add_argument("--save", metavar="PNG", help="also save a plot of the sweeps to this file")
    args = parser.parse_args(argv)
    if not args.budget > 0:
        parser.error(f"--budget must be > 0 seconds, got {args.budget}")
    machine = fingerprint()
    print(machine.describe())
    # Longer tasks than the notebooks use (up to a quarter second): steadier numbers for comparing machines.
    plan = plan_sweep(machine.cpus, args.budget, seconds_per_iter=seconds_per_iteration(), target=0.25)
    print(f"Plan for each start method: {plan.describe()}\n", flush=True)
    sweeps = {}
    for method in args.methods:
        multiprocessing.set_start_method(method, force=True)
        sweeps[method] = speedup_sweep(traced_cpu_task, plan.task_list(), plan.workers, repeats=plan.repeats, progress=False)
        print(f"{method}:\n{sweeps[method]}\n", flush=True)
    multiprocessing.set_start_method(None, force=True)
    print(summary(sweeps))
    if args.save:
        import matplotlib

        matplotlib.use("Agg")
        from helpers.plots import plot_speedup_comparison

        plot_speedup_comparison(sweeps, f"{plan.tasks} CPU-bound tasks, per start method").savefig(args.save)
        print(f"plot saved to {args.save}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
