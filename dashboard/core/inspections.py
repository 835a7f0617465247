"""Field inspections: the shared vocabulary of checks, results and inspected places.

An inspector visits a place (a payment point of the layer, a key location, or a point
found in the field) and tries each check: paying by foreign card, by a foreign wallet,
with cash, changing money, withdrawing cash by foreign card, asking for help in English.
Each check is a payment capability of :data:`dashboard.core.model.CAPABILITIES`; its
result is one of :data:`RESULTS` or ``""`` (not tried). The store
(``loaders/inspections_store.py``) keeps the rows, the engine
(``dashboard/engine/verification.py``) turns them into verified coverage and a work list.

Pure: codes, labels, the frame's columns and dtypes; no I/O.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from dashboard.core.model import CAPABILITIES

#: Checks an inspector makes; each is a payment capability of
#: :data:`dashboard.core.model.CAPABILITIES`.
CHECKS: Final[tuple[str, ...]] = (
    "foreign_card",
    "foreign_wallet",
    "cash",
    "currency_exchange",
    "atm_withdrawal",
    "help_desk",
)

#: Inspector-facing label (zh, en) of each check: the capability's label of the model,
#: except cash ("cash and change") and the help desk ("help in English"), which name what
#: the inspector actually tries.
CHECK_LABELS: Final[dict[str, tuple[str, str]]] = {
    **{c: CAPABILITIES[c] for c in CHECKS},
    "cash": ("人民币现金收付与找零", "Cash and change"),
    "help_desk": ("英语协助", "Help in English"),
}

#: Result code → (zh, en). An empty cell (``""`` or NA) means the check was not tried.
RESULTS: Final[dict[str, tuple[str, str]]] = {
    "accepted": ("可用", "Accepted"),
    "refused": ("被拒绝", "Refused"),
    "out_of_order": ("设备故障", "Out of order"),
}
#: Label of an empty result cell.
NOT_TRIED: Final[tuple[str, str]] = ("未检查", "Not tried")
#: The result that counts as evidence that a capability works.
PASS: Final[str] = "accepted"
#: Results that count as evidence that it does not.
FAILS: Final[tuple[str, ...]] = ("refused", "out_of_order")

#: Kinds of inspected place → (zh, en). ``new``: a point found in the field, not yet in
#: the payments layer (the store gives it an id ``F`` + 8 hex on its first visit).
PLACE_KINDS: Final[dict[str, tuple[str, str]]] = {
    "payment": ("支付服务点", "Payment point"),
    "key_location": ("重点场所", "Key location"),
    "new": ("实地发现的新点位", "New point found in the field"),
}

#: Days an accepted check stays valid evidence on the verified basis.
DEFAULT_VALIDITY_DAYS: Final[int] = 180


def result_column(check: str) -> str:
    """The inspection frame's column of ``check``'s result (``check_<check>``)."""
    if check not in CHECKS:
        raise ValueError(f"unknown check {check!r}; expected one of {', '.join(CHECKS)}")
    return f"check_{check}"


#: Columns of an inspection frame, in order.
INSPECTION_COLUMNS: Final[tuple[str, ...]] = (
    "id",
    "place_kind",
    "place_id",
    "inspected_at",
    "inspector",
    "adcode",
    "lon",
    "lat",
    "name",
    *[result_column(c) for c in CHECKS],
    "notes",
    "photo",
    "source",
)

#: Status of a payment point by its inspections → (zh, en) (engine ``point_status``).
POINT_STATUSES: Final[dict[str, tuple[str, str]]] = {
    "never": ("从未核验", "Never verified"),
    "verified": ("已核验", "Verified"),
    "expired": ("核验已过期", "Verification expired"),
    "failed": ("检查未通过", "Failed inspection"),
}

#: Why a place is on the work list → (zh, en), in the order of urgency (engine
#: ``work_list``).
REASONS: Final[dict[str, tuple[str, str]]] = {
    "failed": ("最近一次检查未通过", "Failed its latest check"),
    "newly_uncovered": ("新近失去覆盖", "Newly uncovered"),
    "expired": ("核验已过期", "Verification expired"),
    "never": ("从未核验", "Never verified"),
}

#: Kinds of work-list item → (zh, en).
WORK_KINDS: Final[dict[str, tuple[str, str]]] = {
    "payment": PLACE_KINDS["payment"],
    "key_location": PLACE_KINDS["key_location"],
}


def _label(mapping: dict[str, tuple[str, str]], code: str, lang: str) -> str:
    pair = mapping.get(code)
    if pair is None:
        return code
    return pair[0] if lang == "zh" else pair[1]


def check_label(check: str, lang: str = "en") -> str:
    """The inspector-facing label of ``check`` in ``lang`` (the code when unknown)."""
    return _label(CHECK_LABELS, check, lang)


def result_label(result: object, lang: str = "en") -> str:
    """The label of a result cell in ``lang``; empty or NA is "not tried"."""
    if result is None or result is pd.NA or (isinstance(result, float) and np.isnan(result)):
        result = ""
    code = str(result).strip()
    if not code:
        return NOT_TRIED[0] if lang == "zh" else NOT_TRIED[1]
    return _label(RESULTS, code, lang)


def empty_inspections() -> pd.DataFrame:
    """An inspection frame with no rows: :data:`INSPECTION_COLUMNS` and their dtypes.

    ``inspected_at`` is naive datetime64 (Beijing local time), ``lon``/``lat`` float64
    (WGS-84), every other column text (pandas' ``str``).
    """
    types: dict[str, str] = {c: "str" for c in INSPECTION_COLUMNS}
    types["inspected_at"] = "datetime64[ns]"
    types["lon"] = "float64"
    types["lat"] = "float64"
    return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in types.items()})
