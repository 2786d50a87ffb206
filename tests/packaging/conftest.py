"""Build every integration once per test session, into a temporary directory (not dist/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.packaging.build import Built, build

ROOT = Path(__file__).resolve().parents[2]
DOMAINS = ["enphase_gateway", "powervault", "tesla_energy", "v2c_cloud"]


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    out = tmp_path_factory.mktemp("dist")
    return {domain: build(domain, out, repo=ROOT) for domain in DOMAINS}
