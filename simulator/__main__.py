"""Entry point for ``python -m device_app_simulator``."""

import sys

from .cli import main

sys.exit(main())
