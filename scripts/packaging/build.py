"""Build ``dist/<domain>/`` (a HACS repository) and ``dist/<domain>.zip`` for each integration.

HACS takes one integration per repository (the first directory under ``custom_components/``)
and, with ``zip_release``, extracts the release asset named by ``filename`` into
``config/custom_components/<domain>/``. Our integrations import the shared package
``custom_components/energy_bridges_common`` (``from ..energy_bridges_common.x import y``), which
would not be there. So each build copies the shared package, unchanged, into the integration
(``custom_components/<domain>/energy_bridges_common/``) and rewrites only the import statements
that reach it, one package level less (``from .energy_bridges_common.x import y``). The source
tree keeps its one shared package; the built ones hold nothing but their own integration.

Every import of every built file is then resolved again: an import that still leaves the
integration (the shared package at its old place, another integration) stops the build.

The zips are byte-for-byte reproducible: sorted entries, fixed timestamps and permissions.
"""

from __future__ import annotations

import argparse
import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
import io
import json
from pathlib import Path
import re
import shutil
import sys
import tokenize
from typing import Any
import zipfile

REPO = Path(__file__).resolve().parents[2]
COMPONENTS = "custom_components"
SHARED = "energy_bridges_common"
# The name of each integration's own HACS repository, under the same owner as this one.
REPOSITORY_PREFIX = "home-energy-bridges-"
# 1980-01-01, the earliest time a zip entry can hold: no build time leaks into the archive.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
ZIP_FILE_MODE = 0o100644  # a regular file, rw-r--r--
SKIPPED_DIRS = {"__pycache__", "tests", "test"}
SKIPPED_SUFFIXES = {".pyc", ".pyo"}


class PackagingError(Exception):
    """The source cannot be turned into a self-contained integration."""


@dataclass(frozen=True, slots=True)
class Built:
    """What one build produced."""

    domain: str
    tree: Path
    zip_path: Path
    files: int


def repository_name(domain: str) -> str:
    """Return the name of the integration's own HACS repository (``<owner>/<name>``'s name)."""
    return REPOSITORY_PREFIX + domain.replace("_", "-")


def integrations(repo: Path = REPO) -> list[str]:
    """Return the domains of the integrations in the repository (directories with a manifest)."""
    return sorted(
        path.parent.name for path in (repo / COMPONENTS).glob("*/manifest.json") if path.is_file()
    )


def source_files(directory: Path) -> list[Path]:
    """Return the files of a package that ship: no caches, no compiled files, no tests."""
    files = []
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory)
        if not path.is_file() or any(part in SKIPPED_DIRS for part in relative.parts[:-1]):
            continue
        if relative.name.startswith(".") or path.suffix in SKIPPED_SUFFIXES:
            continue
        if path.suffix == ".py" and relative.name.startswith("test_"):
            continue
        files.append(path)
    return files


# --- import rewriting -------------------------------------------------------------------------


def _package_of(module: str, is_package: bool) -> str:
    return module if is_package else module.rpartition(".")[0]


def _resolve(package: str, level: int, module: str | None) -> str:
    """Return the absolute module a ``from <level dots><module> import`` names, as Python does."""
    parts = package.split(".")
    if level > len(parts):
        raise PackagingError(f"relative import beyond the top level in {package}")
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, module] if module else base)


def _shared_target(absolute: str, domain: str) -> str | None:
    """Return where ``absolute`` lives once vendored, or None if it is not the shared package."""
    shared = f"{COMPONENTS}.{SHARED}"
    if absolute == shared or absolute.startswith(shared + "."):
        return f"{COMPONENTS}.{domain}.{SHARED}" + absolute[len(shared) :]
    return None


def _check_inside(absolute: str, domain: str, where: str) -> None:
    parts = absolute.split(".")
    if parts[0] == COMPONENTS and (len(parts) < 2 or parts[1] != domain):
        raise PackagingError(f"{where}: imports {absolute}, outside the {domain} integration")


def _relative(package: str, target: str) -> tuple[int, str]:
    """Return (level, module) of a ``from`` import of ``target`` written inside ``package``."""
    pkg = package.split(".")
    tgt = target.split(".")
    common = 0
    while common < min(len(pkg), len(tgt)) and pkg[common] == tgt[common]:
        common += 1
    return len(pkg) - common + 1, ".".join(tgt[common:])


class _Source:
    """A source text with (row, column) positions mapped to offsets (columns in characters)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))
        self.tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))

    def offset(self, row: int, col: int) -> int:
        return self.starts[row - 1] + col

    def char_col(self, row: int, byte_col: int) -> int:
        """Turn an ``ast`` column (UTF-8 bytes) into a ``tokenize`` one (characters)."""
        return len(self.lines[row - 1].encode()[:byte_col].decode())

    def tokens_from(self, row: int, byte_col: int) -> Iterator[tokenize.TokenInfo]:
        start = (row, self.char_col(row, byte_col))
        found = False
        for token in self.tokens:
            if token.start == start:
                found = True
            if found and token.type not in {tokenize.NL, tokenize.COMMENT}:
                yield token


def _module_span(
    source: _Source, tokens: Iterator[tokenize.TokenInfo], *, allow_dots: bool
) -> tuple[int, int]:
    """Return the offsets of the dotted name (with its leading dots) the tokens start with."""
    start = end = None
    expect_name = True
    for token in tokens:
        if allow_dots and expect_name and token.string in {".", "..."}:
            pass  # leading dots of a relative import
        elif expect_name and token.type == tokenize.NAME and token.string != "import":
            expect_name = False
        elif not expect_name and token.string == ".":
            expect_name = True
        else:
            break
        if start is None:
            start = source.offset(*token.start)
        end = source.offset(*token.end)
    if start is None or end is None:
        raise PackagingError("could not find the module name of an import")
    return start, end


def rewrite_imports(text: str, module: str, is_package: bool, domain: str) -> str:
    """Return ``text`` with every import of the shared package pointed at the vendored copy.

    ``module`` is the file's dotted name (``custom_components.<domain>.api.cloud``). Only the
    module names of import statements change; anything else is an error, not a guess.
    """
    tree = ast.parse(text)
    source = _Source(text)
    package = _package_of(module, is_package)
    edits: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            where = f"{module} line {node.lineno}"
            if node.level:
                absolute = _resolve(package, node.level, node.module)
            else:
                absolute = node.module or ""
            names = [alias.name for alias in node.names]
            if absolute == COMPONENTS and node.level and SHARED in names:
                # ``from .. import energy_bridges_common``: the shared package is now a sibling.
                if names != [SHARED]:
                    raise PackagingError(f"{where}: import the shared package on its own line")
                target = f"{COMPONENTS}.{domain}.{SHARED}"
                level, _ = _relative(package, target)
                new = "." * level
            elif (target_or_none := _shared_target(absolute, domain)) is not None:
                if node.level:
                    level, rest = _relative(package, target_or_none)
                    new = "." * level + rest
                else:
                    new = target_or_none
            else:
                _check_inside(absolute, domain, where)
                continue
            tokens = source.tokens_from(node.lineno, node.col_offset)
            if next(tokens).string != "from":
                raise PackagingError(f"{where}: unexpected import layout")
            start, end = _module_span(source, tokens, allow_dots=True)
            edits.append((start, end, new))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                where = f"{module} line {alias.lineno}"
                if (vendored := _shared_target(alias.name, domain)) is None:
                    _check_inside(alias.name, domain, where)
                    continue
                if alias.asname is None:
                    # ``import custom_components.energy_bridges_common.x`` binds the top-level
                    # name and code then spells the old path out: no import rewrite fixes that.
                    raise PackagingError(f"{where}: import the shared package with 'from'")
                tokens = source.tokens_from(alias.lineno, alias.col_offset)
                start, end = _module_span(source, tokens, allow_dots=False)
                edits.append((start, end, vendored))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def check_self_contained(text: str, module: str, is_package: bool, domain: str) -> None:
    """Raise if any import in the file reaches outside ``custom_components.<domain>``."""
    package = _package_of(module, is_package)
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom):
            where = f"{module} line {node.lineno}"
            absolute = (
                _resolve(package, node.level, node.module) if node.level else node.module or ""
            )
            _check_inside(absolute, domain, where)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                _check_inside(alias.name, domain, f"{module} line {alias.lineno}")


# --- the tree, the README and the zip -----------------------------------------------------------


def _dotted(relative: Path) -> tuple[str, bool]:
    """Return the dotted module name of a ``.py`` file under ``custom_components/``."""
    is_package = relative.name == "__init__.py"
    parts = relative.parent.parts if is_package else relative.with_suffix("").parts
    return ".".join((COMPONENTS, *parts)), is_package


def _read_json(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise PackagingError(f"{path} is not a JSON object")
    return data


def _dump_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def source_repository(manifest: dict[str, Any]) -> str:
    """Return this repository's URL, from the manifest's issue tracker."""
    tracker = str(manifest["issue_tracker"])
    if not tracker.endswith("/issues"):
        raise PackagingError(f"cannot tell the repository from issue_tracker {tracker}")
    return tracker.removesuffix("/issues")


def owner_of(repository_url: str) -> str:
    """Return the owner part of a ``https://github.com/<owner>/<name>`` URL."""
    return repository_url.rstrip("/").split("/")[-2]


def hacs_manifest(domain: str, manifest: dict[str, Any], root_hacs: dict[str, Any]) -> str:
    """Return the tree's ``hacs.json``: only keys HACS documents for integrations."""
    data: dict[str, Any] = {"name": manifest["name"]}
    # The minimum Home Assistant and HACS versions are kept once, in the root hacs.json.
    for key in ("homeassistant", "hacs"):
        if key in root_hacs:
            data[key] = root_hacs[key]
    data["zip_release"] = True
    data["filename"] = f"{domain}.zip"
    return _dump_json(data)


_LINK = re.compile(r"(!?)(\[[^\]]*\])\(([^)\s]+)\)")


def _absolute_links(markdown: str, repository_url: str, ref: str) -> str:
    """Point the docs page's relative links at this repository (the tree has no docs/)."""

    def replace(match: re.Match[str]) -> str:
        image, text, target = match.group(1), match.group(2), match.group(3)
        if re.match(r"^[a-z][a-z0-9+.-]*:|^#", target):
            return match.group(0)
        kind = "raw" if image else "blob"
        return f"{image}{text}({repository_url}/{kind}/{ref}/docs/{target})"

    return _LINK.sub(replace, markdown)


def install_section(
    domain: str, manifest: dict[str, Any], root_hacs: dict[str, Any], owner: str
) -> str:
    """Return the README's install instructions for the integration's own repository."""
    name = manifest["name"]
    repository = f"https://github.com/{owner}/{repository_name(domain)}"
    minimum = root_hacs.get("homeassistant")
    requires = f"Requires Home Assistant {minimum} or newer.\n\n" if minimum else ""
    return (
        "## Install\n\n"
        f"{requires}"
        "**With [HACS](https://hacs.xyz):** in HACS, open the menu (top right) -> *Custom "
        f"repositories*, add `{repository}` with type *Integration*, then find **{name}** in "
        "HACS, download it and restart Home Assistant.\n\n"
        f"**By hand:** download `{domain}.zip` from this repository's latest release and unpack "
        "it into your configuration directory, then restart Home Assistant:\n\n"
        "```bash\n"
        f"mkdir -p config/custom_components/{domain}\n"
        f"unzip {domain}.zip -d config/custom_components/{domain}\n"
        "```\n\n"
        f"Then *Settings -> Devices & services -> Add integration -> {name}*.\n\n"
    )


def readme(
    domain: str,
    manifest: dict[str, Any],
    root_hacs: dict[str, Any],
    docs: str,
    *,
    repository_url: str,
    ref: str,
) -> str:
    """Return the tree's README: the user page with the install section before its first part."""
    page = _absolute_links(docs, repository_url, ref)
    install = install_section(domain, manifest, root_hacs, owner_of(repository_url))
    head, sep, rest = page.partition("\n## ")
    body = f"{head.rstrip()}\n\n{install}## {rest}" if sep else f"{page.rstrip()}\n\n{install}"
    footer = (
        "\n---\n\n"
        f"Built by `scripts/package` from [{owner_of(repository_url)}/"
        f"{repository_url.rstrip('/').split('/')[-1]}]({repository_url}), where the code, "
        "the tests and the issue tracker live: please report problems and send changes there.\n"
    )
    return body.rstrip() + "\n" + footer


def write_zip(zip_path: Path, root: Path) -> int:
    """Write ``root``'s files into ``zip_path`` at the archive root, reproducibly."""
    files = sorted(p for p in root.rglob("*") if p.is_file())
    with zipfile.ZipFile(zip_path, "w") as archive:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), date_time=ZIP_DATE)
            info.create_system = 3  # Unix, so the permission bits below mean the same everywhere
            info.external_attr = ZIP_FILE_MODE << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    return len(files)


def build(
    domain: str,
    out: Path,
    *,
    repo: Path = REPO,
    version: str | None = None,
    ref: str = "main",
) -> Built:
    """Build ``out/<domain>/`` and ``out/<domain>.zip`` for one integration."""
    components = repo / COMPONENTS
    source = components / domain
    manifest = _read_json(source / "manifest.json")
    if manifest.get("domain") != domain:
        raise PackagingError(f"{source}/manifest.json names domain {manifest.get('domain')}")
    root_hacs = _read_json(repo / "hacs.json")
    repository_url = source_repository(manifest)

    tree = out / domain
    zip_path = out / f"{domain}.zip"
    shutil.rmtree(tree, ignore_errors=True)
    zip_path.unlink(missing_ok=True)
    target = tree / COMPONENTS / domain

    copies = [(path, path.relative_to(components)) for path in source_files(source)]
    copies += [
        (path, Path(domain, *path.relative_to(components).parts))
        for path in source_files(components / SHARED)
    ]
    for path, relative in copies:
        destination = tree / COMPONENTS / relative
        if destination.exists():
            raise PackagingError(f"{relative} exists in both {domain} and {SHARED}")
        destination.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix != ".py":
            destination.write_bytes(path.read_bytes())
            continue
        module, is_package = _dotted(path.relative_to(components))
        new_module, _ = _dotted(relative)
        text = path.read_text(encoding="utf-8")
        if path.is_relative_to(source):
            text = rewrite_imports(text, module, is_package, domain)
        else:
            # The shared package moves whole: its own relative imports stay right; anything
            # that leaves it would now point inside the integration, so refuse it.
            check_self_contained(text, module, is_package, SHARED)
        check_self_contained(text, new_module, is_package, domain)
        compile(text, str(relative), "exec")
        destination.write_text(text, encoding="utf-8", newline="")

    if version is not None:
        (target / "manifest.json").write_text(
            _dump_json({**manifest, "version": version}), encoding="utf-8"
        )
    (tree / "hacs.json").write_text(hacs_manifest(domain, manifest, root_hacs), encoding="utf-8")
    docs = (repo / "docs" / f"{domain}.md").read_text(encoding="utf-8")
    (tree / "README.md").write_text(
        readme(domain, manifest, root_hacs, docs, repository_url=repository_url, ref=ref),
        encoding="utf-8",
    )
    shutil.copyfile(repo / "LICENSE", tree / "LICENSE")
    files = write_zip(zip_path, target)
    return Built(domain=domain, tree=tree, zip_path=zip_path, files=files)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``scripts/package``."""
    parser = argparse.ArgumentParser(
        prog="scripts/package",
        description="Build dist/<domain>/ (a HACS repository) and dist/<domain>.zip per integration.",
    )
    parser.add_argument("domains", nargs="*", help="integrations to build (default: all)")
    parser.add_argument("--out", type=Path, default=REPO / "dist", help="output directory")
    parser.add_argument("--version", help="stamp this version into each manifest.json (a release)")
    parser.add_argument("--ref", default="main", help="git ref the README's links point at")
    parser.add_argument(
        "--matrix",
        action="store_true",
        help="print the integrations and their HACS repositories as JSON, build nothing",
    )
    args = parser.parse_args(argv)
    known = integrations()
    domains = args.domains or known
    if unknown := sorted(set(domains) - set(known)):
        parser.error(f"no such integration: {', '.join(unknown)}")
    if args.matrix:
        print(json.dumps([{"domain": d, "repository": repository_name(d)} for d in domains]))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        for domain in domains:
            built = build(domain, args.out, version=args.version, ref=args.ref)
            size = built.zip_path.stat().st_size
            print(f"{built.tree}/  {built.zip_path.name}: {built.files} files, {size} bytes")
    except PackagingError as err:
        print(f"scripts/package: {err}", file=sys.stderr)
        return 1
    return 0
