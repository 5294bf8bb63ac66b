"""Random numbers in worker processes (notebook 06): duplicated streams, clock seeds, and SeedSequence.

A forked child starts as a copy of its parent, random generators included. NumPy's legacy global generator
(np.random.random and friends) is not reseeded in the child, so every forked worker draws the same numbers;
the standard library's random module reseeds itself after a fork (since Python 3.7). The fix that works under
every start method and is reproducible: one numpy.random.SeedSequence, spawned into one child seed per task.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import time
from typing import Any

from helpers.guards import join_all
from helpers.validation import require_int, require_start_method

KINDS = ("numpy legacy", "stdlib random", "numpy, clock seed", "SeedSequence")


def draw(kind: str, seed: Any = None) -> float:
    """One random number in [0, 1) from the generator ``kind`` (see KINDS), as a worker would draw it."""
    import numpy as np

    if kind == "numpy legacy":
        return float(np.random.random())
    if kind == "stdlib random":
        return random.random()
    if kind == "numpy, clock seed":  # a common home-made seed: the time, in whole seconds
        return float(np.random.default_rng(int(time.time())).random())
    if kind == "SeedSequence":
        if seed is None:
            raise ValueError("the SeedSequence kind needs the child seed this task was given")
        return float(np.random.default_rng(seed).random())
    raise ValueError(f"kind must be one of {list(KINDS)}, got {kind!r}")


def _draw_to(results: Any, kind: str, seed: Any, index: int) -> None:
    results.put((index, os.getpid(), draw(kind, seed)))


def first_draws(kind: str, method: str, processes: int = 4, parent_seed: int = 2024, timeout: float = 60.0) -> list[float]:
    """Start ``processes`` children with ``method``; each draws one number from ``kind``; return them in order.

    The parent first touches NumPy's legacy generator (np.random.seed), as a program that seeds it for
    reproducibility does. For "SeedSequence", child i gets the i-th seed spawned from SeedSequence(parent_seed).
    """
    import numpy as np

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {list(KINDS)}, got {kind!r}")
    require_start_method(method)
    require_int("processes", processes, minimum=1)
    np.random.seed(parent_seed)
    seeds = np.random.SeedSequence(parent_seed).spawn(processes) if kind == "SeedSequence" else [None] * processes
    context = multiprocessing.get_context(method)
    results = context.Queue()
    children = [context.Process(target=_draw_to, args=(results, kind, seeds[i], i)) for i in range(processes)]
    for child in children:
        child.start()
    got = sorted(results.get(timeout=timeout) for _ in children)
    join_all(children, timeout)
    return [value for _, _, value in got]


def task_streams(seed: int, tasks: int, draws: int = 3) -> list[list[float]]:
    """The numbers each task would draw from its own child seed of SeedSequence(seed): reproducible and independent."""
    import numpy as np

    require_int("tasks", tasks, minimum=1)
    require_int("draws", draws, minimum=1)
    return [list(np.random.default_rng(child).random(draws)) for child in np.random.SeedSequence(seed).spawn(tasks)]


def draws_for_task(task: tuple[Any, int]) -> list[float]:
    """Worker: (child seed, how many) → that many numbers from a generator seeded with the task's own child seed."""
    import numpy as np

    seed, count = task
    return [float(x) for x in np.random.default_rng(seed).random(count)]


_SEEDED_SCRIPT = """
import json
import multiprocessing

import numpy as np

np.random.seed(2024)  # at the top of the script, for reproducibility: outside the __main__ guard


def first_draw(results):
    results.put(float(np.random.random()))


if __name__ == "__main__":
    multiprocessing.set_start_method({method!r})
    results = multiprocessing.Queue()
    children = [multiprocessing.Process(target=first_draw, args=(results,)) for _ in range(4)]
    for child in children:
        child.start()
    draws = [results.get(timeout=60) for _ in children]
    for child in children:
        child.join(60)
    print(json.dumps(draws))
"""


def draws_in_a_seeded_script(method: str, timeout: float = 60.0) -> list[float]:
    """Run a script that calls np.random.seed(2024) at its top level, whose 4 child processes draw one number each.

    Under spawn and forkserver each child runs the script's top level again (forkserver may even have done so
    once, for every child), so each starts from the same seed: the same trap as fork, by another road.
    """
    import json

    from helpers.scripts import run_script

    require_start_method(method)
    ran = run_script(_SEEDED_SCRIPT.format(method=method), timeout=timeout)
    if ran.returncode != 0:
        raise RuntimeError(f"the script failed: {ran.stderr.strip()[-300:]}")
    return json.loads(ran.stdout.strip().splitlines()[-1])
