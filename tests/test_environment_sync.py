"""environment.yml and pyproject.toml must name the same packages with the same bounds."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$")


def _split(requirement: str) -> tuple[str, str]:
    """('name', 'bounds') with the name normalised and spaces removed from the bounds."""
    match = REQUIREMENT.match(requirement)
    assert match, f"cannot parse requirement {requirement!r}"
    name, bounds = match.groups()
    return re.sub(r"[-_.]+", "-", name).lower(), bounds.replace(" ", "")


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["test"]
    return dict(_split(r) for r in requirements)


def conda_requirements() -> tuple[dict[str, str], list[str]]:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip = {}, []
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            pip.extend(entry.get("pip", []))
        else:
            name, bounds = _split(entry)
            if name not in ("python", "pip"):
                conda[name] = bounds
    return conda, pip


def test_same_packages_and_bounds():
    conda, pip = conda_requirements()
    # Packages that conda-forge lacks are installed by the pip section, with the same bounds.
    conda |= dict(_split(line) for line in pip if not line.replace(" ", "").startswith("-e"))
    pyproject = pyproject_requirements()
    assert set(conda) == set(pyproject), (
        f"only in environment.yml: {sorted(set(conda) - set(pyproject))}; "
        f"only in pyproject.toml: {sorted(set(pyproject) - set(conda))}"
    )
    differing = {name: (pyproject[name], conda[name]) for name in pyproject if pyproject[name] != conda[name]}
    assert not differing, f"bounds differ (pyproject, environment.yml): {differing}"


def test_environment_installs_the_package_itself():
    _, pip = conda_requirements()
    assert any(line.replace(" ", "").startswith("-e.") for line in pip), f"pip section should install the package: {pip}"


def test_python_floor_matches():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = [e for e in environment["dependencies"] if isinstance(e, str) and e.startswith("python")]
    floor = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert python == [f"python{floor}"], f"environment.yml has {python}, pyproject.toml requires-python {floor}"
