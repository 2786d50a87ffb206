"""Run the demo on another Home Assistant release: a venv of its own, its own pins.

``scripts/develop --ha-version X`` runs Home Assistant X in ``.venv-ha-X`` (beside
``.venv``, created from the same Python). Into it go ``homeassistant==X`` and what the demo's
configuration loads, at the versions *X* declares:

- every requirement of the integrations ``requirements_demo.txt`` names in its comments
  (``# camera, stream``) and of those ``config/configuration.yaml`` sets up, with what they
  depend on, read from X's own ``manifest.json`` files, so a requirement X added or
  re-pinned comes with it (``requirements_test.txt`` brings some of them into ``.venv``; a
  release's venv has no test stack);
- everything resolved under X's ``homeassistant/package_constraints.txt`` (its ``httpx2``,
  for example), as Home Assistant's own installer does;
- except the few packages X pins at versions that publish no wheels for this Python
  (``PY314_OVERRIDES``): the demo keeps its own pins for those, and ``hass_main.py`` adapts.

A stamp in the venv records what was installed: a second run with the same inputs starts at
once. The default demo (no ``--ha-version``) keeps ``.venv`` and the version CI tests with.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
import re
import subprocess
import sys

from vendors import REPO

_LOGGER = logging.getLogger("demo")

DEMO_REQUIREMENTS = REPO / "requirements_demo.txt"
DEMO_CONFIGURATION = REPO / "config" / "configuration.yaml"
# X's pins for these have no wheels for Python 3.14: keep requirements_demo.txt's.
PY314_OVERRIDES = frozenset({"pymicro-vad", "pyspeex-noise"})
# Installed from requirements_demo.txt as they are (not an integration's requirement).
OWN_TOOLS = frozenset({"colorlog"})
_VERSION = re.compile(r"^\d{4}\.\d{1,2}\.\d+(?:(?:a|b|rc|\.dev)\d+)?$")
_REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s#;]+)\s*(?:#\s*(.*))?$")


def canonical(name: str) -> str:
    """Return a distribution name as pip compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def venv_path(version: str) -> Path:
    """Return the venv of a Home Assistant release."""
    if not _VERSION.match(version):
        raise ValueError(f"not a Home Assistant release number: {version!r} (e.g. 2026.11.0)")
    return REPO / f".venv-ha-{version}"


def demo_pins(text: str) -> tuple[dict[str, str], set[str]]:
    """Return requirements_demo.txt's pins (name -> line) and the integrations it names."""
    pins: dict[str, str] = {}
    integrations: set[str] = set()
    for raw in text.splitlines():
        match = _REQUIREMENT.match(raw.strip())
        if not match:
            continue
        name, version, comment = match.groups()
        pins[canonical(name)] = f"{name}=={version}"
        if comment:
            integrations.update(
                word.strip()
                for word in comment.split(",")
                if re.fullmatch(r"[a-z_]+", word.strip())
            )
    return pins, integrations


def configured_integrations(configuration: str) -> set[str]:
    """Return the integrations the demo's configuration.yaml sets up (its top-level keys)."""
    keys = {m.group(1) for m in re.finditer(r"^([a-z_]+):", configuration, re.MULTILINE)}
    # Set up by onboarding and on every start, whatever the configuration says.
    return keys | {"onboarding", "analytics", "frontend"}


def manifest_requirements(components: Path, integrations: set[str]) -> dict[str, str]:
    """Return name -> requirement line of the integrations (and what they depend on) in X."""
    requirements: dict[str, str] = {}
    seen: set[str] = set()
    todo = sorted(integrations)
    while todo:
        domain = todo.pop()
        if domain in seen:
            continue
        seen.add(domain)
        manifest = components / domain / "manifest.json"
        if not manifest.is_file():
            _LOGGER.warning("Home Assistant has no integration %r: skipping it", domain)
            continue
        content = json.loads(manifest.read_text(encoding="utf-8"))
        for line in content.get("requirements", []):
            name = re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0]
            requirements[canonical(name)] = line
        todo.extend(content.get("dependencies", []) + content.get("after_dependencies", []))
    return requirements


def plan(site: Path, demo_text: str, configuration: str) -> tuple[list[str], list[str]]:
    """Return (requirements, constraints) for the Home Assistant installed in ``site``."""
    pins, integrations = demo_pins(demo_text)
    integrations |= configured_integrations(configuration)
    requirements = manifest_requirements(site / "homeassistant" / "components", integrations)
    for name in PY314_OVERRIDES | OWN_TOOLS:
        if name in pins:
            requirements[name] = pins[name]
    constraints = [
        line
        for line in (site / "homeassistant" / "package_constraints.txt")
        .read_text(encoding="utf-8")
        .splitlines()
        if line.strip()
        and not line.lstrip().startswith("#")
        and canonical(re.split(r"[<>=!~\[; ]", line.strip(), maxsplit=1)[0]) not in PY314_OVERRIDES
    ]
    return sorted(requirements.values(), key=str.lower), constraints


def _site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python3*/site-packages"))


def _installer(venv: Path) -> list[str]:
    """Return the install command: uv (in .venv, as Home Assistant uses it), else pip."""
    uv = Path(sys.executable).with_name("uv")
    if uv.is_file():
        return [str(uv), "pip", "install", "--quiet", "--python", str(venv / "bin" / "python")]
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--python",
        str(venv / "bin" / "python"),
    ]


def ensure_venv(version: str) -> Path:
    """Create (or reuse) the venv of Home Assistant ``version``; return its Python."""
    venv = venv_path(version)
    python = venv / "bin" / "python"
    stamp = venv / ".demo-stamp"
    if not python.exists():
        _LOGGER.info("Creating %s (Home Assistant %s: this takes a few minutes)", venv, version)
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", "--without-pip", str(venv)], check=True)  # noqa: S603
    demo_text = DEMO_REQUIREMENTS.read_text(encoding="utf-8")
    configuration = DEMO_CONFIGURATION.read_text(encoding="utf-8")
    key = hashlib.sha256(f"{version}\n{demo_text}\n{configuration}".encode()).hexdigest()
    if stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == key:
        return python
    env = {**os.environ, "UV_NO_PROGRESS": "1"}
    _LOGGER.info("Installing Home Assistant %s into %s", version, venv)
    subprocess.run([*_installer(venv), f"homeassistant=={version}"], check=True, env=env)  # noqa: S603
    requirements, constraints = plan(_site_packages(venv), demo_text, configuration)
    constraint_file = venv / "demo-constraints.txt"
    constraint_file.write_text("\n".join(constraints) + "\n", encoding="utf-8")
    (venv / "demo-requirements.txt").write_text("\n".join(requirements) + "\n", encoding="utf-8")
    _LOGGER.info("Installing what the demo loads, as Home Assistant %s pins it", version)
    subprocess.run(  # noqa: S603
        [*_installer(venv), "-c", str(constraint_file), f"homeassistant=={version}", *requirements],
        check=True,
        env=env,
    )
    stamp.write_text(key + "\n", encoding="utf-8")
    return python


def installed_versions(python: Path) -> dict[str, str]:
    """Return the versions of Home Assistant and its frontend in a venv."""
    script = (
        "import importlib.metadata as m, json;"
        "print(json.dumps({n: m.version(n) for n in ('homeassistant', 'home-assistant-frontend')}))"
    )
    out = subprocess.run([str(python), "-c", script], check=True, capture_output=True, text=True)  # noqa: S603
    result: dict[str, str] = json.loads(out.stdout)
    return result


if __name__ == "__main__":
    # scripts/e2e prepares the venv before the demos it times start: `ha_version.py X`.
    logging.basicConfig(level=logging.INFO, format="[demo] %(message)s")
    try:
        print(json.dumps(installed_versions(ensure_venv(sys.argv[1]))))
    except (IndexError, ValueError, subprocess.CalledProcessError) as err:
        sys.exit(f"usage: ha_version.py X (a Home Assistant release, e.g. 2026.11.0): {err!r}")
