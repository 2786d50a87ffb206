"""Each release zip, extracted alone into an empty ``custom_components/``, loads and works.

Per integration, a fresh Python (``python -I``: no script directory, current directory or
PYTHONPATH on ``sys.path``) runs ``load_alone.py`` with a temporary configuration directory
whose ``custom_components/`` holds only the extracted zip. There, in the test harness's Home
Assistant (real core, loader, config entries, registries, which start empty):

- nothing called ``custom_components`` is importable before Home Assistant looks in the
  configuration directory, and this repository is never on ``sys.path``;
- Home Assistant's loader finds exactly this one custom integration, at the extracted path;
- every module of the extracted tree imports, and every ``custom_components.*`` module in
  memory afterwards comes from the extracted tree (no shared package at its old place);
- ``async_setup_component`` succeeds and registers exactly the actions in its services.yaml;
- a config entry is added through the config flow (the steps a person takes; OAuth sign-in
  for Tesla) against the integration's simulator served on loopback in that process (the
  simulators are imported by file path, so the repository's ``custom_components`` stays out
  of reach), sets up with entities that have states, and unloads.

What it does not prove: Home Assistant's full bootstrap (``python -m homeassistant``, as the
demo starts it) with the frontend; the harness's Home Assistant stands in for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
import json
import os
from pathlib import Path
import subprocess
import sys
from typing import Any
import zipfile

import pytest
import yaml

from scripts.packaging.build import Built

from .conftest import DOMAINS, ROOT

SCRIPT = Path(__file__).with_name("load_alone.py")


@dataclass
class AloneRun:
    """One integration's zip, extracted alone, being loaded by its own Python."""

    config_dir: Path
    process: subprocess.Popen[str]

    def report(self) -> dict[str, Any]:
        stdout, stderr = self.process.communicate(timeout=240)
        assert self.process.returncode == 0, stderr[-4000:]
        report: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])["report"]
        return report


@pytest.fixture(scope="session")
def alone_runs(
    built: dict[str, Built],
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[dict[str, AloneRun]]:
    """Start the selected runs at once: most of each is importing Home Assistant, on one core."""
    selected = [
        domain
        for domain in DOMAINS
        if any(
            item.name == f"{test_zip_loads_alone_in_home_assistant.__name__}[{domain}]"
            for item in request.session.items
        )
    ]
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("COVERAGE_", "PYTHON", "PYTEST_"))
    }
    env["HOME_ENERGY_BRIDGES_ALLOW_LOOPBACK"] = "1"  # the simulators are on loopback
    runs = {}
    for domain in selected:
        config_dir = tmp_path_factory.mktemp(f"{domain}-alone") / "config"
        target = config_dir / "custom_components" / domain
        target.mkdir(parents=True)
        with zipfile.ZipFile(built[domain].zip_path) as archive:
            archive.extractall(target)
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-I", str(SCRIPT), str(config_dir), domain, str(ROOT)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=config_dir,
            env=env,
        )
        runs[domain] = AloneRun(config_dir, process)
    yield runs
    for run in runs.values():
        if run.process.poll() is None:
            run.process.kill()
            run.process.communicate()


# Four Home Assistants start at once: on a busy 2-core machine the first wait is the longest.
@pytest.mark.timeout(300)
@pytest.mark.parametrize("domain", DOMAINS)
def test_zip_loads_alone_in_home_assistant(alone_runs: dict[str, AloneRun], domain: str) -> None:
    run = alone_runs[domain]
    config_dir = run.config_dir
    report = run.report()
    extracted = config_dir / "custom_components" / domain

    assert report["custom_components_before"] is False
    assert report["repo_on_path"] == []
    assert report["custom_components_path"] == [str(config_dir / "custom_components")]
    assert report["custom_integrations"] == [domain]
    integration = report["integration"]
    assert isinstance(integration, dict)
    assert integration["domain"] == domain
    assert integration["built_in"] is False
    assert integration["file_path"] == str(extracted)
    assert integration["config_flow"] is True

    python_files = list(extracted.rglob("*.py"))
    assert isinstance(report["imported"], list)
    assert len(report["imported"]) == len(python_files)
    loaded = report["loaded_modules"]
    assert isinstance(loaded, dict)
    assert f"custom_components.{domain}.energy_bridges_common.client.http" in loaded
    for name, file in loaded.items():
        if name == "custom_components":
            continue  # the namespace package of the configuration directory
        assert name == f"custom_components.{domain}" or name.startswith(
            f"custom_components.{domain}."
        ), name
        assert file is not None
        assert Path(file).is_relative_to(extracted), (name, file)

    assert report["setup"] is True
    actions = yaml.safe_load((extracted / "services.yaml").read_text())
    assert report["services"] == sorted(actions)

    entry = report["entry"]
    assert isinstance(entry, dict)
    assert entry["result"] == "create_entry", entry
    assert entry["state"] == "ConfigEntryState.LOADED"
    assert entry["entities"] > 0
    assert entry["available"] > 0
    assert entry["unloaded"] is True
