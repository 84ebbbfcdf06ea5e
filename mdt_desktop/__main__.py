"""`python -m mdt_desktop` runs the same entry point as the `mdt-desktop` console script."""

import sys

from mdt_desktop.cli import main

sys.exit(main())
