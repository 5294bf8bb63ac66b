"""What the CPUs of this machine are, as far as the OS tells: logical and physical, usable, quota, kinds, model.

Every reader takes the path it reads from (a cgroup or sysfs folder, a file's text), so the tests can feed it
sample files from other machines; where the OS does not tell (macOS has no cgroups, a VM hides its cores'
kinds), the answer is None, never a guess.
"""

from __future__ import annotations

import math
import os
import platform
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
SYS_DEVICES = Path("/sys/devices")


@dataclass(frozen=True)
class CpuProfile:
    """The CPUs a measurement ran on."""

    logical: int  # os.cpu_count(): hardware threads the OS sees
    physical: int | None  # cores; fewer than logical with SMT (hyper-threading)
    usable: int  # CPUs this process may run on (affinity)
    quota: float | None  # CPUs' worth of time a container's cgroup allows; None: no limit
    performance: int | None = None  # logical CPUs of the fast kind, on hybrid chips
    efficiency: int | None = None  # logical CPUs of the efficient kind
    model: str | None = None
    max_mhz: float | None = None

    def __post_init__(self) -> None:
        for name in ("logical", "usable"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of CPUs ≥ 1, got {value!r}")
        if self.physical is not None and (not isinstance(self.physical, int) or not 1 <= self.physical <= self.logical):
            raise ValueError(f"physical must be None or a whole number from 1 to logical ({self.logical}), got {self.physical!r}")
        if self.quota is not None and not (isinstance(self.quota, (int, float)) and math.isfinite(self.quota) and self.quota > 0):
            raise ValueError(f"quota must be None or a positive number of CPUs, got {self.quota!r}")

    @property
    def effective(self) -> int:
        """The CPUs a pool should be sized for: the usable ones, fewer when a quota allows less time.

        A quota of 1.5 CPUs gives 2 workers 75 % of a CPU each: still more work done than 1 worker.
        """
        if self.quota is None:
            return self.usable
        return max(1, min(self.usable, math.ceil(self.quota - 1e-9)))

    @property
    def smt(self) -> bool:
        """True when cores run more than one hardware thread each."""
        return self.physical is not None and self.physical < self.logical

    @property
    def cores_for_fit(self) -> int:
        """Worker counts up to here scale the way Amdahl's law assumes: one busy core each, no SMT sibling shared."""
        if self.physical is None or not self.smt:
            return self.effective
        return max(1, min(self.effective, round(self.physical * self.usable / self.logical)))

    def describe(self) -> str:
        """Two lines for the top of a notebook: the counts, then the model."""
        cores = f"{self.logical} logical"
        if self.physical is not None:
            cores += f" on {self.physical} physical core{'s' if self.physical > 1 else ''}" + (" (SMT)" if self.smt else "")
        if self.performance is not None and self.efficiency is not None:
            cores += f", {self.performance} performance + {self.efficiency} efficiency"
        quota = "no CPU quota" if self.quota is None else f"a quota of {self.quota:g} CPUs"
        counts = f"CPUs: {cores} · {self.usable} usable by this process · {quota} · pools here use {self.effective}"
        model = self.model or "model not reported"
        if self.max_mhz:
            model += f", up to {self.max_mhz / 1000:.1f} GHz"
        return f"{counts}\nCPU: {model}"


def parse_cpu_list(text: str) -> int:
    """How many CPUs a kernel CPU list names: '0-3,8,10-11' → 7."""
    if not isinstance(text, str):
        raise TypeError(f"a CPU list is text such as '0-3,8', got {type(text).__name__}")
    count = 0
    for part in (p.strip() for p in text.strip().split(",")):
        if not part:
            continue
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not match:
            raise ValueError(f"a CPU list holds numbers and ranges such as '0-3,8', got {text.strip()!r}")
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if last < first:
            raise ValueError(f"range {part!r} in CPU list {text.strip()!r} runs backwards")
        count += last - first + 1
    return count


def parse_cpu_max(text: str) -> float | None:
    """cgroup v2's cpu.max ('150000 100000', or 'max 100000' for no limit) as CPUs: 1.5, or None."""
    fields = text.split()
    if len(fields) != 2 or not fields[1].isdigit() or int(fields[1]) == 0 or not (fields[0] == "max" or fields[0].isdigit()):
        raise ValueError(f"cpu.max holds 'QUOTA PERIOD' or 'max PERIOD' (microseconds), got {text.strip()!r}")
    return None if fields[0] == "max" else int(fields[0]) / int(fields[1])


def parse_cfs(quota_text: str, period_text: str) -> float | None:
    """cgroup v1's cpu.cfs_quota_us and cpu.cfs_period_us as CPUs; a quota of -1 means no limit (None)."""
    try:
        quota, period = int(quota_text.strip()), int(period_text.strip())
    except ValueError:
        raise ValueError(
            f"cpu.cfs_quota_us and cpu.cfs_period_us hold whole numbers of microseconds, got {quota_text.strip()!r} and {period_text.strip()!r}"
        ) from None
    if period <= 0:
        raise ValueError(f"cpu.cfs_period_us must be positive, got {period}")
    return None if quota < 0 else quota / period


def _cgroup_folders(proc_self_cgroup: str, root: Path) -> list[Path]:
    """The cgroup folders that can limit this process's CPU time, its own first, then each parent up to the root."""
    folders = []
    for line in proc_self_cgroup.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers == "":  # cgroup v2: one unified hierarchy
            base = root
        elif "cpu" in controllers.split(","):  # cgroup v1: the hierarchy with the cpu controller
            base = root / controllers
            if not base.is_dir():
                base = root / "cpu"
        else:
            continue
        folder = base / path.lstrip("/")
        while True:
            folders.append(folder)
            if folder == base or base not in folder.parents:
                break
            folder = folder.parent
    return folders


def read_cgroup_quota(root: Path = CGROUP_ROOT, proc_self_cgroup: str | None = None) -> float | None:
    """The smallest CPU quota of this process's cgroup and its parents (v2 cpu.max or v1 CFS files), or None."""
    if proc_self_cgroup is None:
        try:
            proc_self_cgroup = Path("/proc/self/cgroup").read_text()
        except OSError:
            return None  # not Linux, or no /proc
    quotas = []
    for folder in _cgroup_folders(proc_self_cgroup, Path(root)):
        if (folder / "cpu.max").is_file():
            quota = parse_cpu_max((folder / "cpu.max").read_text())
        elif (folder / "cpu.cfs_quota_us").is_file() and (folder / "cpu.cfs_period_us").is_file():
            quota = parse_cfs((folder / "cpu.cfs_quota_us").read_text(), (folder / "cpu.cfs_period_us").read_text())
        else:
            continue
        if quota is not None:
            quotas.append(quota)
    return min(quotas) if quotas else None


def read_hybrid_linux(devices: Path = SYS_DEVICES) -> tuple[int, int] | None:
    """(performance, efficiency) logical CPUs on a hybrid chip, from Intel's cpu_core/cpu_atom or cores' cpu_capacity."""
    devices = Path(devices)
    core, atom = devices / "cpu_core" / "cpus", devices / "cpu_atom" / "cpus"
    if core.is_file() and atom.is_file():
        return parse_cpu_list(core.read_text()), parse_cpu_list(atom.read_text())
    capacities = []
    for path in sorted((devices / "system" / "cpu").glob("cpu[0-9]*/cpu_capacity")):
        text = path.read_text().strip()
        if not text.isdigit():
            raise ValueError(f"{path} should hold a whole number, got {text!r}")
        capacities.append(int(text))
    if len(set(capacities)) < 2:
        return None  # all cores alike (or not reported)
    fastest = max(capacities)
    return sum(c == fastest for c in capacities), sum(c != fastest for c in capacities)


def _sysctl(name: str) -> str | None:
    """The value of a macOS sysctl, or None."""
    try:
        result = subprocess.run(["sysctl", "-n", name], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() if result.returncode == 0 and result.stdout.strip() else None


def read_hybrid_macos() -> tuple[int, int] | None:
    """(performance, efficiency) logical CPUs on Apple silicon (sysctl hw.perflevel0/1.logicalcpu)."""
    performance, efficiency = _sysctl("hw.perflevel0.logicalcpu"), _sysctl("hw.perflevel1.logicalcpu")
    if performance and efficiency and performance.isdigit() and efficiency.isdigit():
        return int(performance), int(efficiency)
    return None


def read_model(cpuinfo: str | None = None) -> str | None:
    """The CPU's model name: from /proc/cpuinfo's text (Linux), sysctl (macOS) or platform (Windows)."""
    if cpuinfo is None and sys.platform.startswith("linux"):
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
        except OSError:
            cpuinfo = ""
    if cpuinfo:
        for key in ("model name", "Model", "Hardware", "cpu model"):
            match = re.search(rf"^{key}\s*:\s*(.+)$", cpuinfo, re.M)
            if match:
                return re.sub(r"\s+", " ", match.group(1)).strip()
        return None
    if sys.platform == "darwin":
        return _sysctl("machdep.cpu.brand_string")
    return platform.processor() or None


def usable_cpus() -> int:
    """CPUs this process may run on (affinity), never less than 1."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13+
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):  # Linux and some Unixes
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


# A profile to use instead of this machine's, such as "logical=16,physical=8,usable=16,quota=1.5": the test suite
# runs the notebooks as if on a bigger machine with it, to catch outputs that depend on the number of CPUs.
PRETEND_VARIABLE = "COURSE_CPU_PROFILE"


def parse_pretend(text: str) -> CpuProfile:
    """A CpuProfile from 'logical=16,physical=8,usable=16,quota=1.5' (physical, usable and quota optional)."""
    fields: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        key, sep, value = part.partition("=")
        if not sep or key not in ("logical", "physical", "usable", "quota"):
            raise ValueError(f"{PRETEND_VARIABLE} takes logical=N, physical=N, usable=N and quota=X, comma-separated; got {text!r}")
        fields[key] = value.strip()
    if "logical" not in fields:
        raise ValueError(f"{PRETEND_VARIABLE} needs at least logical=N, got {text!r}")
    try:
        logical = int(fields["logical"])
        physical = int(fields["physical"]) if "physical" in fields else logical
        usable = int(fields["usable"]) if "usable" in fields else logical
        quota = float(fields["quota"]) if "quota" in fields else None
    except ValueError:
        raise ValueError(f"{PRETEND_VARIABLE} values must be numbers, got {text!r}") from None
    return CpuProfile(logical, physical, usable, quota, model=f"pretend ({PRETEND_VARIABLE})")


def cpu_profile() -> CpuProfile:
    """Read this machine's CPU profile now (or the one COURSE_CPU_PROFILE pretends). A file the OS writes in an
    unexpected form counts as not reported."""
    import psutil

    if os.environ.get(PRETEND_VARIABLE):
        return parse_pretend(os.environ[PRETEND_VARIABLE])

    logical = os.cpu_count() or 1
    physical = psutil.cpu_count(logical=False)
    hybrid = quota = None
    try:
        quota = read_cgroup_quota() if sys.platform.startswith("linux") else None
    except (OSError, ValueError):
        quota = None
    try:
        hybrid = read_hybrid_linux() if sys.platform.startswith("linux") else read_hybrid_macos() if sys.platform == "darwin" else None
    except (OSError, ValueError):
        hybrid = None
    try:
        frequency = psutil.cpu_freq()
        max_mhz = frequency.max if frequency and frequency.max else None
    except (OSError, NotImplementedError, AttributeError):
        max_mhz = None
    return CpuProfile(
        logical=logical,
        physical=physical if physical and physical <= logical else None,
        usable=min(usable_cpus(), logical),
        quota=quota,
        performance=hybrid[0] if hybrid else None,
        efficiency=hybrid[1] if hybrid else None,
        model=read_model(),
        max_mhz=max_mhz,
    )
