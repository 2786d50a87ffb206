"""Build each integration as a self-contained HACS repository and release zip (``scripts/package``).

HACS manages one integration per repository and this repository holds four that share one
helper package, so each integration is published from a generated tree of its own, with the
shared package vendored inside it. See ``build.py`` and ``docs/install.md``.
"""
