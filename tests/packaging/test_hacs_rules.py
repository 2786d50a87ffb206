"""HACS's rules for taking an integration from a repository, applied to what we publish.

The model below is HACS 2's integration repository check (``repositories/integration.py``,
``utils/validate.py`` and the ``hacs/action`` manifest check), written out:

1. ``hacs.json`` holds only the keys HACS documents, and ``name``.
2. Unless ``content_in_root``, HACS takes the *first* directory under ``custom_components/``
   (the repository tree is sorted) and refuses the repository when there is none.
3. That directory must have a ``manifest.json`` ("No manifest.json file found ..."), with
   ``domain``, ``documentation``, ``issue_tracker``, ``codeowners``, ``name`` and ``version``.
4. With ``zip_release`` HACS downloads the release asset named ``filename`` and extracts it
   into ``custom_components/<domain>/``.

We also demand what makes an integration look right once installed: exactly one integration
directory, named after its domain, and its own brand icon (Home Assistant 2026 serves
``custom_components/<domain>/brand/icon.png``).
"""

from __future__ import annotations

import json
from pathlib import Path
import re
import subprocess

import pytest

from scripts.packaging.build import Built, repository_name

from .conftest import DOMAINS, ROOT

HACS_KEYS = {
    "name",
    "content_in_root",
    "zip_release",
    "filename",
    "hide_default_branch",
    "country",
    "homeassistant",
    "hacs",
    "persistent_directory",
}
MANIFEST_KEYS = {"domain", "documentation", "issue_tracker", "codeowners", "name", "version"}
OWNER = "home-energy-bridges"


class HacsRefusedError(Exception):
    """HACS would not take the repository."""


def repository_tree(root: Path) -> list[str]:
    """Return the repository's files as GitHub lists them: committed files only."""
    if (root / ".git").exists():
        listed = subprocess.run(  # noqa: S603
            ["git", "-C", str(root), "ls-files", "-z"],  # noqa: S607
            capture_output=True,
            check=True,
        ).stdout.decode()
        return sorted(name for name in listed.split("\0") if name)
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def hacs_takes(root: Path, tree: list[str]) -> tuple[str, dict[str, object]]:
    """Return the domain HACS would install from this repository and its hacs.json."""
    hacs: dict[str, object] = {}
    if "hacs.json" in tree:
        hacs = json.loads((root / "hacs.json").read_text())
        if unknown := set(hacs) - HACS_KEYS:
            raise HacsRefusedError(f"hacs.json has unknown keys {sorted(unknown)}")
        if not hacs.get("name"):
            raise HacsRefusedError("hacs.json has no name")
        if hacs.get("zip_release") and not hacs.get("filename"):
            raise HacsRefusedError("zip_release without a filename")
    if hacs.get("content_in_root"):
        raise HacsRefusedError("content_in_root is not how we publish")
    directories = sorted(
        {
            name.split("/")[1]
            for name in tree
            if name.count("/") >= 2 and name.startswith("custom_components/")
        }
    )
    if not directories:
        raise HacsRefusedError("Repository structure is not compliant")
    first = f"custom_components/{directories[0]}/manifest.json"
    if first not in tree:
        raise HacsRefusedError(f"No manifest.json file found '{first}'")
    manifest = json.loads((root / first).read_text())
    if missing := MANIFEST_KEYS - set(manifest):
        raise HacsRefusedError(f"Missing expected keys {sorted(missing)} in manifest.json")
    return str(manifest["domain"]), hacs


def integration_directories(tree: list[str]) -> list[str]:
    return sorted(
        name.split("/")[1]
        for name in tree
        if re.fullmatch(r"custom_components/[^/]+/manifest\.json", name)
    )


@pytest.mark.parametrize("domain", DOMAINS)
def test_hacs_takes_each_built_tree(built: dict[str, Built], domain: str) -> None:
    root = built[domain].tree
    tree = repository_tree(root)
    taken, hacs = hacs_takes(root, tree)
    assert taken == domain
    # Exactly one directory under custom_components/, and it is the integration.
    assert {name.split("/")[1] for name in tree if name.startswith("custom_components/")} == {
        domain
    }
    assert integration_directories(tree) == [domain]
    # The release asset HACS will look for is the zip the build made.
    assert hacs["zip_release"] is True
    assert hacs["filename"] == built[domain].zip_path.name == f"{domain}.zip"
    manifest = json.loads((root / "custom_components" / domain / "manifest.json").read_text())
    assert hacs["name"] == manifest["name"]
    # The minimum versions are the repository's, stated once in its hacs.json.
    root_hacs = json.loads((ROOT / "hacs.json").read_text())
    assert hacs["homeassistant"] == root_hacs["homeassistant"]
    assert f"custom_components/{domain}/brand/icon.png" in tree
    assert {"README.md", "LICENSE"} <= set(tree)


@pytest.mark.parametrize("domain", DOMAINS)
def test_built_readme_says_what_a_user_adds_to_hacs(built: dict[str, Built], domain: str) -> None:
    readme = (built[domain].tree / "README.md").read_text()
    assert f"https://github.com/{OWNER}/{repository_name(domain)}" in readme
    assert f"unzip {domain}.zip -d config/custom_components/{domain}" in readme
    # No relative links: the tree has no docs/ directory beside its README.
    assert not re.findall(r"\]\((?![a-z]+:|#)[^)]*\)", readme)


def test_hacs_refuses_this_repository() -> None:
    """Four integrations and a shared package: HACS takes the first directory, which has no
    manifest, so the repository itself can never be added to HACS."""
    tree = repository_tree(ROOT)
    assert len(integration_directories(tree)) > 1
    with pytest.raises(HacsRefusedError, match=r"No manifest\.json file found"):
        hacs_takes(ROOT, tree)


def install_section() -> str:
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"^## Install\n(.*?)(?=^## )", readme, re.MULTILINE | re.DOTALL)
    assert match, "README.md has no Install section"
    return match.group(1)


def test_readme_does_not_promise_what_hacs_cannot_do() -> None:
    """The README names each integration's own repository, never this one, for HACS."""
    section = install_section()
    assert not re.search(r"add this repository", section, re.IGNORECASE)
    assert not re.search(rf"github\.com/{OWNER}/home-energy-bridges(?!-)", section)
    # No "copy both directories" any more: each zip holds its own copy of the shared package.
    assert not re.search(r"copy[^.]*energy_bridges_common", section, re.IGNORECASE | re.DOTALL)
    for domain in DOMAINS:
        assert f"https://github.com/{OWNER}/{repository_name(domain)}" in section, domain
    assert re.search(r"unzip <domain>\.zip -d config/custom_components/<domain>", section)
