"""Repository-wide rules that hassfest, HACS and our layering demand."""

from __future__ import annotations

import ast
import json
from pathlib import Path
import re
from typing import Any

import homeassistant
from homeassistant.const import __version__ as ha_version
from PIL import Image
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPONENTS = ROOT / "custom_components"
DOMAINS = ["powervault", "v2c_cloud", "enphase_gateway", "tesla_energy"]
SHARED = COMPONENTS / "energy_bridges_common"
CORE_COMPONENTS = Path(homeassistant.__file__).parent / "components"
# What the shared coordinators raise: every integration must translate them.
SHARED_EXCEPTION_KEYS = {
    "communication_error",
    "rate_limited",
    "budget_exhausted",
    "authentication_failed",
}
HACS_KEYS = {
    "name",
    "homeassistant",
    "zip_release",
    "filename",
    "content_in_root",
    "country",
    "hide_default_branch",
    "persistent_directory",
    "hacs",
}


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def python_files(directory: Path) -> list[Path]:
    return sorted(directory.rglob("*.py"))


@pytest.mark.parametrize(
    "directory",
    [SHARED / "client", *(COMPONENTS / d / "api" for d in DOMAINS)],
    ids=lambda p: str(p.relative_to(COMPONENTS)),
)
def test_protocol_layers_have_no_home_assistant_imports(directory: Path) -> None:
    files = python_files(directory) if directory.is_dir() else []
    api_file = directory.with_suffix(".py")
    if api_file.is_file():
        files.append(api_file)
    assert files, f"{directory} has no code"
    for path in files:
        bad = {m for m in imported_modules(path) if m.split(".")[0] == "homeassistant"}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_shared_package_is_not_an_integration() -> None:
    assert not (SHARED / "manifest.json").exists()


@pytest.mark.parametrize("domain", DOMAINS)
def test_manifest(domain: str) -> None:
    manifest = json.loads((COMPONENTS / domain / "manifest.json").read_text())
    assert manifest["domain"] == domain
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:]), "hassfest wants the other keys sorted"
    for key in (
        "codeowners",
        "config_flow",
        "documentation",
        "integration_type",
        "iot_class",
        "issue_tracker",
        "requirements",
        "version",
    ):
        assert key in manifest, key
    assert manifest["config_flow"] is True
    # A custom integration with a core domain's name would replace the core one.
    assert not (CORE_COMPONENTS / domain).exists()


@pytest.mark.parametrize("domain", DOMAINS)
def test_translations(domain: str) -> None:
    directory = COMPONENTS / domain
    assert not (directory / "strings.json").exists()
    strings = json.loads((directory / "translations" / "en.json").read_text())
    assert set(strings.get("exceptions", {})) >= SHARED_EXCEPTION_KEYS, (
        "the shared coordinators raise these translation keys"
    )
    services_file = directory / "services.yaml"
    if services_file.exists():
        services = yaml.safe_load(services_file.read_text()) or {}
        for service, spec in services.items():
            translated = strings["services"][service]
            assert translated["name"] and translated["description"]
            for field in (spec or {}).get("fields", {}):
                assert field in translated["fields"], f"{service}.{field} is not translated"
    icons = json.loads((directory / "icons.json").read_text())
    for service in (
        (yaml.safe_load(services_file.read_text()) or {}) if services_file.exists() else {}
    ):
        assert service in icons.get("services", {}), f"no icon for {service}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_quality_scale_accounts_for_every_rule(domain: str) -> None:
    reference = yaml.safe_load((CORE_COMPONENTS / "elgato" / "quality_scale.yaml").read_text())
    ours = yaml.safe_load((COMPONENTS / domain / "quality_scale.yaml").read_text())
    assert set(ours["rules"]) >= set(reference["rules"])
    for rule, status in ours["rules"].items():
        if isinstance(status, dict):
            assert status["status"] in ("done", "exempt"), rule
            if status["status"] == "exempt":
                assert status.get("comment"), f"{rule}: an exemption needs a reason"
        else:
            assert status == "done", f"{rule} is {status}"


@pytest.mark.parametrize("domain", DOMAINS)
def test_user_docs_exist(domain: str) -> None:
    assert (ROOT / "docs" / f"{domain}.md").is_file()


def test_hacs_json_has_only_known_keys() -> None:
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert set(hacs) <= HACS_KEYS
    assert hacs["name"]


def test_no_blocking_calls_in_integrations() -> None:
    """No time.sleep, requests or urllib in code that runs in the event loop."""
    forbidden = {"requests", "urllib.request", "http.client"}
    for path in python_files(COMPONENTS):
        modules = imported_modules(path)
        assert not modules & forbidden, f"{path.relative_to(ROOT)} imports {modules & forbidden}"
        assert "time.sleep(" not in path.read_text(), path.relative_to(ROOT)


@pytest.mark.parametrize("domain", DOMAINS)
def test_brand_icons(domain: str) -> None:
    """Our own icons, at the sizes Home Assistant's brands rules ask for (scripts/brand_icons.py)."""
    brand = COMPONENTS / domain / "brand"
    for name, size in (("icon.png", 256), ("icon@2x.png", 512)):
        with Image.open(brand / name) as image:
            assert image.format == "PNG"
            assert image.size == (size, size)
            assert image.mode == "RGBA"


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


PLACEHOLDER = re.compile(r"\{[a-z0-9_]+\}|\[%key:[^%]+%\]")


@pytest.mark.parametrize(
    "path",
    sorted(
        p
        for d in DOMAINS
        for p in (COMPONENTS / d / "translations").glob("*.json")
        if p.stem != "en"
    ),
    ids=lambda p: f"{p.parent.parent.name}/{p.name}",
)
def test_translation_matches_english(path: Path) -> None:
    """Every language has each English string, no other, with the same placeholders."""
    english = _flatten(json.loads((path.parent / "en.json").read_text(encoding="utf-8")))
    other = _flatten(json.loads(path.read_text(encoding="utf-8")))
    assert set(other) == set(english), {
        "missing": sorted(set(english) - set(other)),
        "extra": sorted(set(other) - set(english)),
    }
    for key, text in other.items():
        assert isinstance(text, str), key
        assert text.strip(), f"{key} is empty"
        assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(english[key])), key


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


def test_minimum_home_assistant_is_the_release_we_test() -> None:
    """hacs.json's minimum is the release line requirements_test.txt installs and tests.

    Home Assistant's manifest.json has no minimum-version key: HACS reads hacs.json's
    ``homeassistant`` (each built tree copies it, tests/packaging checks that).
    """
    minimum = json.loads((ROOT / "hacs.json").read_text())["homeassistant"]
    tested = ha_version
    assert _release(tested) >= _release(minimum)
    # Patch releases keep the integration API: the minimum is the tested month's first.
    assert _release(minimum) == (*_release(tested)[:2], 0)
    requirements = (ROOT / "requirements_test.txt").read_text()
    assert f"pins Home Assistant {tested}" in requirements
    demo = (ROOT / "requirements_demo.txt").read_text()
    assert f"Home Assistant\n# {tested} itself" in demo or f"Home Assistant {tested}" in demo


def test_demo_requirements_are_the_tested_releases_pins() -> None:
    """requirements_demo.txt pins what the tested Home Assistant's manifests declare.

    The packages it says belong to an integration (``# camera, stream``) must be that
    integration's requirement in the Home Assistant requirements_test.txt installs, except
    the voice packages whose declared versions have no wheels for Python 3.14.
    """
    overrides = {"pymicro-vad", "pyspeex-noise"}
    declared: dict[str, str] = {}
    for manifest in CORE_COMPONENTS.glob("*/manifest.json"):
        for line in json.loads(manifest.read_text()).get("requirements", []):
            name, _, version = line.partition("==")
            declared[re.sub(r"[-_.]+", "-", name).lower()] = version
    checked = 0
    for line in (ROOT / "requirements_demo.txt").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9._-]+)==(\S+)\s+#\s*([a-z_, ]+)$", line)
        if not match:
            continue
        name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
        if name in overrides:
            continue
        assert declared.get(name) == match.group(2), (
            f"{name}: Home Assistant pins {declared.get(name)}"
        )
        checked += 1
    assert checked >= 10
