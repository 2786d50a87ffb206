"""``python -m simulators``: serve simulated devices and clouds."""

import sys

from .framework.runner import main

sys.exit(main())
