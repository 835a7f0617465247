"""``python -m dashboard.cli``: the same as the ``exchange-atlas`` console script."""

import sys

from dashboard.cli.main import main

sys.exit(main())
