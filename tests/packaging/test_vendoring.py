"""The built integration is the source, with the shared package inside it and nothing else changed.

Expected contents come from the source tree itself, listed and compared here byte by byte; the
only accepted difference is an import line of the shared package with one dot fewer.
"""

from __future__ import annotations

from pathlib import Path
import re
import zipfile

import pytest

from scripts.packaging.build import Built, PackagingError, build, integrations, rewrite_imports

from .conftest import DOMAINS, ROOT

COMPONENTS = ROOT / "custom_components"
SHARED = COMPONENTS / "energy_bridges_common"
# A line that imports the shared package relatively: indentation, dots, the rest.
SHARED_IMPORT = re.compile(r"^(\s*)from (\.+)energy_bridges_common\b(.*)$", re.DOTALL)


def shipped(directory: Path) -> dict[str, bytes]:
    """Return the files of a source package as they should ship: no caches or compiled files."""
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in directory.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.suffix not in {".pyc", ".pyo"}
    }


def test_the_build_covers_every_integration() -> None:
    """A fifth integration joins these tests (and the release) on purpose."""
    assert integrations(ROOT) == DOMAINS


@pytest.mark.parametrize("domain", DOMAINS)
def test_vendored_shared_package_is_byte_equal(built: dict[str, Built], domain: str) -> None:
    """The shared package moves whole: its own imports are relative to itself, none change."""
    vendored = built[domain].tree / "custom_components" / domain / "energy_bridges_common"
    source = shipped(SHARED)
    assert source, "the shared package has no files"
    assert shipped(vendored) == source


@pytest.mark.parametrize("domain", DOMAINS)
def test_integration_differs_only_in_shared_imports(built: dict[str, Built], domain: str) -> None:
    """Every other line is byte-equal; every shared import lost exactly one leading dot."""
    target = built[domain].tree / "custom_components" / domain
    source = shipped(COMPONENTS / domain)
    result = {
        name: data
        for name, data in shipped(target).items()
        if not name.startswith("energy_bridges_common/")
    }
    assert set(result) == set(source)
    rewritten = 0
    for name, data in source.items():
        if not name.endswith(".py"):
            assert result[name] == data, name
            continue
        old_lines = data.decode().splitlines(keepends=True)
        new_lines = result[name].decode().splitlines(keepends=True)
        assert len(new_lines) == len(old_lines), name
        for number, (old, new) in enumerate(zip(old_lines, new_lines, strict=True), 1):
            if match := SHARED_IMPORT.match(old):
                indent, dots, rest = match.groups()
                assert new == f"{indent}from {dots[1:]}energy_bridges_common{rest}", (name, number)
                rewritten += 1
            else:
                assert new == old, (name, number)
    assert rewritten, f"{domain} imports nothing from the shared package?"


@pytest.mark.parametrize("domain", DOMAINS)
def test_zip_holds_the_integration_at_its_root(built: dict[str, Built], domain: str) -> None:
    """What HACS extracts into custom_components/<domain>/: that directory's files, no more."""
    target = built[domain].tree / "custom_components" / domain
    expected = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    with zipfile.ZipFile(built[domain].zip_path) as archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        assert names == sorted(expected)
        for info in infos:
            assert archive.read(info) == (target / info.filename).read_bytes()
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
    assert "manifest.json" in names
    assert "energy_bridges_common/__init__.py" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo"))]
    assert not [n for n in names if re.search(r"(^|/)(tests?/|test_[^/]*\.py$)", n)]


def test_two_builds_give_byte_equal_zips(built: dict[str, Built], tmp_path: Path) -> None:
    """Reproducible: a rebuild from the same source is the same archive, byte for byte."""
    for domain in DOMAINS:
        again = build(domain, tmp_path, repo=ROOT)
        assert again.zip_path.read_bytes() == built[domain].zip_path.read_bytes(), domain


def test_release_version_is_stamped_into_the_manifest(tmp_path: Path) -> None:
    result = build("powervault", tmp_path, repo=ROOT, version="1.2.3")
    with zipfile.ZipFile(result.zip_path) as archive:
        manifest = archive.read("manifest.json").decode()
    assert '"version": "1.2.3"' in manifest
    assert '"domain": "powervault"' in manifest


# --- the import forms the rewriting knows, and the ones it refuses --------------------------------

MODULE = "custom_components.powervault.api.client"


@pytest.mark.parametrize(
    ("module", "is_package", "before", "after"),
    [
        (
            "custom_components.powervault.const",
            False,
            "from ..energy_bridges_common.client.lan import check\n",
            "from .energy_bridges_common.client.lan import check\n",
        ),
        (
            MODULE,
            False,
            "from ...energy_bridges_common.client.http import (\n    A,\n    B,\n)\n",
            "from ..energy_bridges_common.client.http import (\n    A,\n    B,\n)\n",
        ),
        (
            "custom_components.powervault.api",
            True,
            "from ...energy_bridges_common import client\n",
            "from ..energy_bridges_common import client\n",
        ),
        (
            "custom_components.powervault.const",
            False,
            "def f():\n    from ..energy_bridges_common.hass.lan import ok  # lazy\n    return ok\n",
            "def f():\n    from .energy_bridges_common.hass.lan import ok  # lazy\n    return ok\n",
        ),
        (
            "custom_components.powervault.const",
            False,
            "from .. import energy_bridges_common\n",
            "from . import energy_bridges_common\n",
        ),
        (
            MODULE,
            False,
            "from custom_components.energy_bridges_common.client import errors\n",
            "from custom_components.powervault.energy_bridges_common.client import errors\n",
        ),
        (
            MODULE,
            False,
            "import custom_components.energy_bridges_common.client.errors as e\n",
            "import custom_components.powervault.energy_bridges_common.client.errors as e\n",
        ),
        (
            MODULE,
            False,
            "from ..const import DOMAIN\nfrom . import models\nx = 'from ...energy_bridges_common'\n",
            "from ..const import DOMAIN\nfrom . import models\nx = 'from ...energy_bridges_common'\n",
        ),
    ],
)
def test_rewrite_import_forms(module: str, is_package: bool, before: str, after: str) -> None:
    assert rewrite_imports(before, module, is_package, "powervault") == after


@pytest.mark.parametrize(
    "source",
    [
        "from ...v2c_cloud.const import DOMAIN\n",  # another integration
        "from custom_components.v2c_cloud import const\n",
        "import custom_components.energy_bridges_common.client\n",  # binds the old path
        "from ... import energy_bridges_common, v2c_cloud\n",
    ],
)
def test_imports_that_would_leave_the_integration_stop_the_build(source: str) -> None:
    with pytest.raises(PackagingError):
        rewrite_imports(source, MODULE, False, "powervault")


def test_a_dotted_path_in_a_string_stops_the_build(tmp_path: Path) -> None:
    """``import_module("custom_components.energy_bridges_common...")`` would escape the rewrite."""
    repo = tmp_path / "repo"
    integration = repo / "custom_components" / "powervault"
    (repo / "custom_components" / "energy_bridges_common").mkdir(parents=True)
    (repo / "custom_components" / "energy_bridges_common" / "__init__.py").write_text("")
    (repo / "docs").mkdir()
    integration.mkdir()
    for name in ("LICENSE", "hacs.json", "docs/powervault.md"):
        (repo / name).write_bytes((ROOT / name).read_bytes())
    manifest = COMPONENTS / "powervault" / "manifest.json"
    (integration / "manifest.json").write_bytes(manifest.read_bytes())
    (integration / "__init__.py").write_text(
        "import importlib\n\n"
        "helpers = importlib.import_module('custom_components.energy_bridges_common')\n"
    )
    with pytest.raises(PackagingError, match="outside an import"):
        build("powervault", tmp_path / "out", repo=repo)
