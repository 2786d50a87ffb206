"""``python -m scripts.packaging``: what ``scripts/package`` runs."""

from __future__ import annotations

import sys

from .build import main

sys.exit(main())
