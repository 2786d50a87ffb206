"""The demo's configuration passes Home Assistant's own ``check_config``."""

from __future__ import annotations

from pathlib import Path
import shutil
import subprocess
import sys

import pytest

from .browser import REPO


@pytest.mark.e2e
def test_check_config_passes(tmp_path: Path) -> None:
    """``hass --script check_config`` on config/ with this repository's integrations."""
    pytest.importorskip("hass_frontend", reason="the demo's requirements are not installed")
    shutil.copyfile(REPO / "config" / "configuration.yaml", tmp_path / "configuration.yaml")
    (tmp_path / "custom_components").symlink_to(REPO / "custom_components")
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [
            sys.executable,
            str(REPO / "scripts" / "demo" / "hass_main.py"),
            "--script",
            "check_config",
            "-c",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"HOME_ENERGY_BRIDGES_ALLOW_LOOPBACK": "1", "PATH": "/usr/bin:/bin"},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Failed config" not in output, output
    assert "Successful config (partial)" in output or "Testing configuration" in output, output
