"""``python -m routes``: the ``route-risk`` command line."""

import sys

from routes.cli import main

sys.exit(main())
