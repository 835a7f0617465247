"""Service standards: what "covered" means for each key-location category.

A standard gives, per key-location category,

* ``radius_m`` -- the straight-line distance (metres, EPSG:32650) within which a
  qualifying payment-service point must lie;
* ``require`` -- the capabilities required, as a list of *clauses*. Each clause is
  an any-of set; every clause must be met, possibly by different points within the
  radius. ``[["foreign_card", "foreign_wallet"], ["cash"]]`` reads "a foreign card
  or a foreign-friendly wallet, and cash". An empty list means any payment point;
* ``weight`` -- the weight of one place of the category in weighted coverage and in
  siting;
* ``rationale`` -- one line saying why, in English, and ``rationale_zh``, the same in
  Chinese (:meth:`Standard.rationale_in` picks the language; a missing Chinese line
  falls back to the English one).

The rules live here: parsing, validation, edits and the one-radius override. Pure: no
Streamlit, no files. Where standards are kept (the shipped defaults in
``geodata/standards.json``, a user's edits in the workspace) is
:mod:`loaders.standards_store`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from dashboard.core.model import CAPABILITIES, KEY_LOCATION_CATEGORIES, label

#: A requirement: a tuple of clauses, each an any-of tuple of capability codes.
Requirement = tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Standard:
    """The service standard of one key-location category."""

    category: str
    radius_m: float
    require: Requirement = ()
    weight: float = 1.0
    rationale: str = ""
    rationale_zh: str = ""

    def rationale_in(self, lang: str) -> str:
        """The rationale in ``lang`` (Chinese falls back to English when it has none)."""
        return (self.rationale_zh or self.rationale) if lang == "zh" else self.rationale

    def to_dict(self) -> dict:
        return {
            "radius_m": self.radius_m,
            "require": [list(c) for c in self.require],
            "weight": self.weight,
            "rationale": self.rationale,
            "rationale_zh": self.rationale_zh,
        }


#: Standards keyed by category code.
Standards = dict[str, Standard]


# --------------------------------------------------------------------------- parsing


def parse_requirement(clauses: Iterable[str | Iterable[str]] | None) -> Requirement:
    """Normalise a requirement to a tuple of sorted, de-duplicated any-of clauses.

    Accepts clauses as lists of codes or as strings with alternatives joined by ``|``
    or ``,`` (the CLI form: ``--require "foreign_card|foreign_wallet" --require cash``).
    ``"any"`` or an empty input means no requirement (any payment point qualifies).

    Raises
    ------
    ValueError
        When a code is not one of :data:`dashboard.core.model.CAPABILITIES`.
    """
    if clauses is None:
        return ()
    out: list[tuple[str, ...]] = []
    for clause in clauses:
        if isinstance(clause, str):
            codes = [c.strip() for c in clause.replace(",", "|").split("|") if c.strip()]
        else:
            codes = [str(c).strip() for c in clause if str(c).strip()]
        if not codes or codes == ["any"]:
            continue
        unknown = [c for c in codes if c not in CAPABILITIES]
        if unknown:
            raise ValueError(
                f"unknown capability {unknown[0]!r}; expected one of {', '.join(CAPABILITIES)}"
                " (or 'any')"
            )
        key = tuple(sorted(set(codes)))
        if key not in out:
            out.append(key)
    return tuple(sorted(out))


def format_requirement(require: Requirement) -> str:
    """Human form of a requirement: ``foreign_card|foreign_wallet + cash`` (``any`` if empty)."""
    if not require:
        return "any"
    return " + ".join("|".join(c) for c in require)


def parse_requirement_text(text: str) -> Requirement:
    """Parse the human form of :func:`format_requirement` (``a|b + c``; ``any`` or empty = none).

    Raises
    ------
    ValueError
        When a code is not a known capability.
    """
    text = (text or "").strip()
    if not text or text.lower() == "any":
        return ()
    return parse_requirement([part for part in text.split("+")])


def _check(std: Standard) -> Standard:
    if std.category not in KEY_LOCATION_CATEGORIES:
        raise ValueError(
            f"unknown category {std.category!r}; "
            f"expected one of {', '.join(KEY_LOCATION_CATEGORIES)}"
        )
    if not (isinstance(std.radius_m, (int, float)) and math.isfinite(std.radius_m)):
        raise ValueError(f"{std.category}: radius must be a number of metres")
    if not 0 < std.radius_m <= 50_000:
        raise ValueError(f"{std.category}: radius must be in (0, 50000] metres, got {std.radius_m}")
    if not (math.isfinite(std.weight) and std.weight >= 0):
        raise ValueError(f"{std.category}: weight must be a non-negative number, got {std.weight}")
    return std


def standards_from_dict(data: Mapping) -> Standards:
    """Build validated standards from the JSON structure (``{"categories": {...}}``).

    Every key-location category must be present exactly once.

    Raises
    ------
    ValueError
        On an unknown or missing category, a bad radius, weight or capability.
    """
    cats = data.get("categories") if isinstance(data, Mapping) else None
    if not isinstance(cats, Mapping):
        raise ValueError("standards must be an object with a 'categories' object")
    out: Standards = {}
    for cat, spec in cats.items():
        if not isinstance(spec, Mapping):
            raise ValueError(f"{cat}: expected an object with radius_m, require, weight")
        try:
            radius = float(spec["radius_m"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"{cat}: radius_m is missing or not a number") from None
        try:
            weight = float(spec.get("weight", 1.0))
        except (TypeError, ValueError):
            raise ValueError(f"{cat}: weight is not a number") from None
        req = spec.get("require", [])
        if isinstance(req, str):
            req = [req]
        out[cat] = _check(
            Standard(
                category=str(cat),
                radius_m=radius,
                require=parse_requirement(req),
                weight=weight,
                rationale=str(spec.get("rationale", "")),
                rationale_zh=str(spec.get("rationale_zh", "")),
            )
        )
    missing = [c for c in KEY_LOCATION_CATEGORIES if c not in out]
    if missing:
        raise ValueError(f"standards miss the categories {', '.join(missing)}")
    return {c: out[c] for c in KEY_LOCATION_CATEGORIES}


def standards_to_dict(standards: Standards) -> dict:
    """The JSON structure of ``standards`` (inverse of :func:`standards_from_dict`)."""
    return {"version": 1, "categories": {c: s.to_dict() for c, s in standards.items()}}


# --------------------------------------------------------------------------- editing


def set_standard(
    standards: Standards,
    category: str,
    *,
    radius_m: float | None = None,
    require: Iterable[str | Iterable[str]] | None = None,
    weight: float | None = None,
    rationale: str | None = None,
    rationale_zh: str | None = None,
) -> Standards:
    """A copy of ``standards`` with one category's fields replaced (``None`` keeps a field).

    Raises
    ------
    ValueError
        On an unknown category or an invalid value.
    """
    if category not in standards:
        raise ValueError(
            f"unknown category {category!r}; expected one of {', '.join(KEY_LOCATION_CATEGORIES)}"
        )
    std = standards[category]
    changes: dict = {}
    if radius_m is not None:
        changes["radius_m"] = float(radius_m)
    if require is not None:
        changes["require"] = parse_requirement(require)
    if weight is not None:
        changes["weight"] = float(weight)
    if rationale is not None:
        changes["rationale"] = rationale
    if rationale_zh is not None:
        changes["rationale_zh"] = rationale_zh
    out = dict(standards)
    out[category] = _check(replace(std, **changes))
    return out


def uniform_standards(
    standards: Standards,
    *,
    radius_m: float | None = None,
    require: Iterable[str | Iterable[str]] | None = None,
) -> Standards:
    """Standards with one radius and/or one requirement applied to every category.

    Weights and rationales are kept. This is what the CLI's ``--radius`` and
    ``--require`` do.
    """
    req = None if require is None else parse_requirement(require)
    out: Standards = {}
    for cat, std in standards.items():
        changes: dict = {}
        if radius_m is not None:
            changes["radius_m"] = float(radius_m)
        if req is not None:
            changes["require"] = req
        out[cat] = _check(replace(std, **changes))
    return out


def standards_table(standards: Standards, lang: str = "en") -> list[dict]:
    """One plain dict per category (for tables, the page and ``standards show``); its
    ``rationale`` is the one in ``lang``."""
    return [
        {
            "category": c,
            "label": label(KEY_LOCATION_CATEGORIES, c, lang),
            "radius_m": s.radius_m,
            "require": format_requirement(s.require),
            "weight": s.weight,
            "rationale": s.rationale_in(lang),
        }
        for c, s in standards.items()
    ]


def standards_from_table(rows: Iterable[Mapping], base: Standards, lang: str = "en") -> Standards:
    """Apply edited table rows (``category``, ``radius_m``, ``require`` text, ``weight``,
    optional ``rationale`` in ``lang``) to ``base``; the inverse of
    :func:`standards_table`. A rationale left as the table showed it changes nothing (in
    Chinese, the English fallback is not copied into the Chinese line).

    Raises
    ------
    ValueError
        Naming the category of the first invalid row.
    """
    out = dict(base)
    for row in rows:
        cat = str(row["category"])
        text = None if row.get("rationale") is None else str(row["rationale"])
        if cat in base and text == base[cat].rationale_in(lang):
            text = None  # unchanged
        try:
            out = set_standard(
                out,
                cat,
                radius_m=float(row["radius_m"]),
                require=list(parse_requirement_text(str(row.get("require", "any")))),
                weight=float(row["weight"]),
                rationale=text if lang != "zh" else None,
                rationale_zh=text if lang == "zh" else None,
            )
        except (TypeError, ValueError) as exc:
            msg = str(exc)
            raise ValueError(msg if msg.startswith(cat) else f"{cat}: {msg}") from None
    return out
