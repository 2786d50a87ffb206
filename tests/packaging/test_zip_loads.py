"""Each release zip, extracted alone into an empty ``custom_components/``, loads and works.

Per integration, a fresh Python (``python -I``: no script directory, current directory or
PYTHONPATH on ``sys.path``) runs ``load_alone.py`` with a temporary configuration directory
whose ``custom_components/`` holds only the extracted zip. There, in the test harness's Home
Assistant (real core, loader, config entries, registries; storage in memory):

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

import json
import os
from pathlib import Path
import subprocess
import sys
import zipfile

import pytest
import yaml

from scripts.packaging.build import Built

from .conftest import DOMAINS, ROOT

SCRIPT = Path(__file__).with_name("load_alone.py")


def run_alone(zip_path: Path, domain: str, config_dir: Path) -> dict[str, object]:
    target = config_dir / "custom_components" / domain
    target.mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(target)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("COVERAGE_", "PYTHON", "PYTEST_"))
    }
    env["HOME_ENERGY_BRIDGES_ALLOW_LOOPBACK"] = "1"  # the simulators are on loopback
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-I", str(SCRIPT), str(config_dir), domain, str(ROOT)],
        capture_output=True,
        text=True,
        cwd=config_dir,
        env=env,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    report: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])["report"]
    return report


@pytest.mark.parametrize("domain", DOMAINS)
def test_zip_loads_alone_in_home_assistant(
    built: dict[str, Built], domain: str, tmp_path: Path
) -> None:
    config_dir = tmp_path / "config"
    report = run_alone(built[domain].zip_path, domain, config_dir)
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
