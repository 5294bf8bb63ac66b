"""Drive a real JupyterLab in headless Chromium: open a notebook, clear outputs, Run All Cells, read the outputs.

Used by test_browser.py. The server serves a temporary copy of the notebooks with a fixed token and
temporary settings (no news pop-up, no autosave, no notebook windowing, so every cell is rendered).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from teaching.chromium import find_chromium  # noqa: F401 (the browser tests import it from here)

TOKEN = "mp-course-browser-test"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]
SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LabServer:
    """A JupyterLab server on 127.0.0.1 serving a copy of ``notebooks`` with MP_START_METHOD set."""

    notebooks: Path
    workdir: Path
    start_method: str
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen | None = None
    # For the classroom tests: user settings to write (None: none at all, as on a learner's first start), the
    # notebooks served from a folder named like the repository's (notebooks/ under the root), and what `make lab`
    # or `make lab-class` adds to the command line and the environment.
    user_settings: dict[str, Any] | None = field(default_factory=lambda: dict(SETTINGS))
    nested: bool = False
    extra_args: tuple[str, ...] = ()
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> "LabServer":
        root = self.workdir / ("site" if self.nested else "notebooks")
        shutil.copytree(self.notebooks, root / "notebooks" if self.nested else root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        settings = self.workdir / "settings"
        settings.mkdir(parents=True, exist_ok=True)
        for name, values in (self.user_settings or {}).items():
            path = settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        environment = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
        environment.update(
            MP_START_METHOD=self.start_method,
            JUPYTER_CONFIG_DIR=str(self.workdir / "config"),
            JUPYTER_RUNTIME_DIR=str(self.workdir / "runtime"),
        )
        environment.update(self.extra_env)
        command = [
            sys.executable, "-m", "jupyter", "lab", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}",
            f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={self.workdir / 'workspaces'}",
            "--LabApp.expose_app_in_browser=True", *self.extra_args,
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")
        log = open(self.workdir / "server.log", "wb")
        self.process = subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.process.returncode}; see {self.workdir / 'server.log'}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={TOKEN}", timeout=2) as reply:
                    if reply.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise TimeoutError(f"JupyterLab did not answer within {timeout} s; see {self.workdir / 'server.log'}")

    def _api(self, method: str, path: str) -> Any:
        request = urllib.request.Request(f"{self.url}/api/{path}?token={TOKEN}", method=method)
        with urllib.request.urlopen(request, timeout=30) as reply:
            body = reply.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self, timeout: float = 30) -> list[str]:
        """Shut every kernel down as JupyterLab's "Shut Down All" does; return processes that outlived them."""
        import psutil

        for session in self._api("GET", "sessions"):
            self._api("DELETE", f"sessions/{session['id']}")
        deadline = time.monotonic() + timeout
        while self._api("GET", "kernels") and time.monotonic() < deadline:
            time.sleep(0.2)
        # What a kernel started must end with it (multiprocessing's resource tracker exits just after it).
        server = psutil.Process(self.process.pid)
        _, alive = psutil.wait_procs(server.children(recursive=True), timeout=max(1.0, deadline - time.monotonic()))
        described = []
        for process in alive:
            try:
                described.append(f"pid {process.pid}: {' '.join(process.cmdline())[:120]}")
                process.kill()
            except psutil.Error:
                pass
        return described

    def stop(self) -> None:
        """Stop the server; it shuts its kernels down first."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@dataclass
class LabRun:
    """What Run All Cells left in the notebook model: one entry per code cell."""

    cells: list[dict[str, Any]]
    finished: bool


_KERNEL_IDLE = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = panel && panel.sessionContext && panel.sessionContext.session && panel.sessionContext.session.kernel;
  return !!(kernel && kernel.status === 'idle' && panel.content && panel.content.widgets.length > 0);
}"""

_START_RUN_ALL = """async () => {
  const app = window.jupyterapp;
  window.__courseRunDone = false;
  await app.commands.execute('notebook:clear-all-cell-outputs');
  app.commands.execute('notebook:run-all-cells').finally(() => { window.__courseRunDone = true; });
}"""

_RUN_STATE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const busy = [...document.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'));
  const executed = panel.content.widgets.filter(c => c.model.type === 'code' && c.model.executionCount !== null).length;
  return {done: window.__courseRunDone === true, idle: panel.sessionContext.session.kernel.status === 'idle', busy, executed};
}"""
SETTLE = 2.0  # seconds the run must look finished, with no new cell executed, before outputs are read

_READ_CELLS = """() => window.jupyterapp.shell.currentWidget.content.widgets
  .filter(cell => cell.model.type === 'code')
  .map(cell => ({
    executionCount: cell.model.executionCount,
    tags: cell.model.getMetadata('tags') || [],
    outputs: cell.model.outputs.toJSON(),
  }))"""


def run_all_cells(browser: Any, server: LabServer, name: str, timeout: float) -> tuple[LabRun, Any]:
    """Open ``name``, clear outputs, Run All Cells, wait until done; return the run and the open page."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    # A workspace of its own: otherwise JupyterLab reopens the tabs of earlier notebooks beside this one.
    workspace = f"run-{time.monotonic_ns()}"
    page.goto(f"{server.url}/lab/workspaces/{workspace}/tree/{name}?token={TOKEN}")
    page.wait_for_function(_KERNEL_IDLE, timeout=90_000, polling=250)
    page.evaluate(_START_RUN_ALL)
    finished = _wait_until_finished(page, timeout)  # on a timeout, report what ran so far
    return LabRun(page.evaluate(_READ_CELLS), finished), page


def _wait_until_finished(page: Any, timeout: float) -> bool:
    """True once Run All has returned, the kernel is idle, no cell is queued, and that held for SETTLE s."""
    deadline = time.monotonic() + timeout
    settled_since, executed = None, -1
    while time.monotonic() < deadline:
        state = page.evaluate(_RUN_STATE)
        if state["done"] and state["idle"] and not state["busy"] and state["executed"] == executed:
            settled_since = settled_since or time.monotonic()
            if time.monotonic() - settled_since >= SETTLE:
                return True
        else:
            settled_since = None
        executed = state["executed"]
        time.sleep(0.25)
    return False


def problems(run: LabRun, stored: dict[str, Any]) -> list[str]:
    """Everything a learner would see go wrong: errors, cells that never ran, images that did not appear."""
    found = [] if run.finished else ["Run All Cells did not finish within the time limit (a hung cell?)"]
    stored_code = [c for c in stored["cells"] if c["cell_type"] == "code"]
    if len(stored_code) != len(run.cells):
        found.append(f"JupyterLab shows {len(run.cells)} code cells, the file has {len(stored_code)}")
    for number, (live, saved) in enumerate(zip(run.cells, stored_code)):
        errors = [o for o in live["outputs"] if o.get("output_type") == "error"]
        expected_error = "raises-exception" in live["tags"]
        if live["executionCount"] is None:
            found.append(f"code cell {number} did not run")
            continue
        if errors and not expected_error:
            found.append(f"code cell {number} raised {errors[0].get('ename')}: {errors[0].get('evalue')}")
        if expected_error and not errors:
            found.append(f"code cell {number} is tagged raises-exception but raised nothing")
        wants_image = any("image/png" in o.get("data", {}) for o in saved.get("outputs", []))
        has_image = any("image/png" in o.get("data", {}) for o in live["outputs"])
        if wants_image and not has_image:
            found.append(f"code cell {number} showed no image, but the stored notebook has one")
    return found


def save_artifacts(page: Any, run: LabRun, artifacts: Path, label: str) -> list[Path]:
    """Screenshot and outputs of a failed run, for the test report."""
    artifacts.mkdir(parents=True, exist_ok=True)
    screenshot, outputs = artifacts / f"{label}.png", artifacts / f"{label}.outputs.json"
    page.screenshot(path=str(screenshot), full_page=True)
    outputs.write_text(json.dumps(run.cells, indent=1))
    return [screenshot, outputs]
