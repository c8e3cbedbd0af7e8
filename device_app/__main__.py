"""``python -m device_app`` runs the command line."""

import sys

from device_app.cli import main

sys.exit(main())
