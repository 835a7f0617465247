"""Entry script: ``streamlit run dashboard/app.py`` (``exchange-atlas run`` serves it).

Streamlit runs this file on every rerun; the app itself is :func:`dashboard.ui.app.main`.
It stays here, next to ``dashboard/static/`` (the files Streamlit's static serving
publishes), so the script path, the static folder and ``../pages/`` keep their places.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run dashboard/app.py` from a checkout
    sys.path.insert(0, str(ROOT))

from dashboard.ui.app import main  # noqa: E402

main()
