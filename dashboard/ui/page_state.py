"""Page state in one place: a typed accessor over the page-parameter registry.

The state model
---------------
What a page shows is decided by four kinds of state, and each has one home:

* **The shared view** (:class:`dashboard.core.state.ViewState`: district, language,
  as-of date, standard, layers, basemap, districts compared). One frozen object in the
  session, read with :func:`dashboard.ui.session.view` and changed with
  :func:`dashboard.ui.session.set_view`. Widgets that show it (the sidebar's selectors, a
  page's own district picker) are *bound*: before they are drawn their value is set from
  the view (:func:`dashboard.ui.session.bind_widget`) and their ``on_change`` callback
  writes the view, so every copy of a control agrees and survives page switches.
* **Page parameters**: each page's own choices that a link carries (the Explorer's
  filters, the comparison's ranking, the Events page's radii, …). Each is registered in
  :data:`dashboard.ui.page_params.PAGE_PARAMS` under its URL name, with its session key,
  kind, default and valid values. They are attributes of :class:`PageState`: reading one
  gives the session's value or, when the widget has not been drawn yet (a closed
  expander), the registry's default; assigning one sets it.
* **Kept values**: session values that are no link's business (the selected place,
  whether playback runs, the last click handled). Also attributes of
  :class:`PageState` (:class:`Kept`).
* **Widget values** of bound widgets (:class:`Widget`): the widget's own key, for
  ``key=`` and for reading the widget in its callback.

How they sync: the entry script restores the view and the page parameters from the URL
once per session (:func:`dashboard.ui.session.view`), keeps page parameters and kept
values alive across page switches (their keys start with ``k_``; Streamlit would
otherwise drop a widget's value when its page is not shown:
:func:`dashboard.ui.session.keep_widget_state`) and, at the end of every run, writes
the view and every page parameter that differs from its default back into the URL
(:func:`dashboard.ui.session.sync_url`). A default only the page can compute (the
baseline one year before the view's date) is recorded with :meth:`PageState.set_default`
so the link leaves it out.

Pages read and write their state as attributes of ``session.page_state()`` and pass
``PageState.<name>.key`` to a widget's ``key=``; they never spell a session-state key.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from datetime import date
from typing import Any, Generic, TypeVar, overload

from dashboard.ui.page_params import DEFAULT_PREFIX, PAGE_PARAMS, filter_value

T = TypeVar("T")
S = TypeVar("S", bound="_Slot[Any]")


class _Slot(Generic[T]):
    """A named value in the session, read and written as an attribute of a
    :class:`PageState`."""

    key: str
    name: str

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self: S, obj: None, owner: type | None = None) -> S: ...
    @overload
    def __get__(self, obj: PageState, owner: type | None = None) -> T: ...
    def __get__(self, obj: PageState | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        return self.read(obj.session)

    def __set__(self, obj: PageState, value: T) -> None:
        obj.session[self.key] = value

    def read(self, session: MutableMapping[str, Any]) -> T:
        raise NotImplementedError


class Param(_Slot[T]):
    """A page parameter of :data:`~dashboard.ui.page_params.PAGE_PARAMS`: in the session
    under its registry key, in the link under its attribute name."""

    def __set_name__(self, owner: type, name: str) -> None:
        super().__set_name__(owner, name)
        if name not in PAGE_PARAMS:
            raise TypeError(f"{name!r} is not a page parameter of the registry")
        self.key = PAGE_PARAMS[name].key

    def read(self, session: MutableMapping[str, Any]) -> T:
        return filter_value(session, self.key)  # type: ignore[return-value]


class Kept(_Slot[T]):
    """A session value kept across page switches but not carried by links."""

    def __init__(self, key: str, default: T) -> None:
        self.key, self.default = key, default

    def read(self, session: MutableMapping[str, Any]) -> T:
        return session.get(self.key, self.default)


class Widget(_Slot[T]):
    """The value of a bound widget under its own key (None until first drawn)."""

    def __init__(self, key: str) -> None:
        self.key = key

    def read(self, session: MutableMapping[str, Any]) -> T:
        return session.get(self.key)  # type: ignore[return-value]


class PageState:
    """Every page's own state as typed attributes over a session mapping (Streamlit's
    session state, or a plain dict in tests). See the module docstring for the model.

    Attribute names of :class:`Param` are the URL parameter names (a contract); a test
    checks that they and the registry list the same parameters.
    """

    # Map explorer
    cat_venues: Param[list[str]] = Param()
    cat_organizations: Param[list[str]] = Param()
    cat_events: Param[list[str]] = Param()
    cat_key_locations: Param[list[str]] = Param()
    cat_payments: Param[list[str]] = Param()
    sectors: Param[list[str]] = Param()
    caps: Param[list[str]] = Param()
    schemes: Param[list[str]] = Param()
    ev_window: Param[bool] = Param()
    gaps: Param[bool] = Param()
    heat: Param[bool] = Param()
    h3: Param[bool] = Param()
    h3_res: Param[int] = Param()
    metric: Param[str] = Param()
    classes: Param[str] = Param()
    q: Param[str] = Param()
    pick: Param[int] = Param()
    place: Param[str | None] = Param()
    tiles: Param[str] = Param()
    # District comparison
    rank_by: Param[str] = Param()
    baseline: Param[date | None] = Param()
    cmp_set: Param[str] = Param()
    # District profile
    ref: Param[str] = Param()
    target: Param[float | None] = Param()
    sites: Param[int | None] = Param()
    city_ref: Param[str] = Param()
    what_if: Param[bool] = Param()
    dp_tab: Param[str] = Param()
    dp_set: Param[str] = Param()
    # Events
    ev_years: Param[list[int]] = Param()
    ev_cats: Param[list[str]] = Param()
    ev_group: Param[str] = Param()
    ev_r: Param[float] = Param()
    venue_r: Param[int] = Param()
    event: Param[str | None] = Param()
    ev_tab: Param[str] = Param()
    ev_major: Param[bool] = Param()
    # Progress
    pg_metric: Param[str] = Param()
    pg_sector: Param[str] = Param()
    pg_gaps: Param[str] = Param()
    # Presenter mode
    present: Param[bool] = Param()
    slide: Param[int] = Param()
    auto: Param[int] = Param()
    districts: Param[list[str]] = Param()

    # kept in the session, not in links
    selected: Kept[dict | None] = Kept("k_selected", None)
    playing: Kept[bool] = Kept("k_play", False)
    last_click: Kept[tuple[str, str] | None] = Kept("_last_click", None)
    last_pick: Kept[tuple[str, int] | None] = Kept("_last_pick", None)
    advance: Kept[bool] = Kept("_advance", False)
    data_columns: Kept[list[str]] = Kept("data_columns", [])
    present_shown: Kept[tuple[int, float] | None] = Kept("_present_shown", None)

    # bound widgets of the pages
    as_of_picker: Widget[date] = Widget("w_as_of")
    basemap_picker: Widget[str] = Widget("w_basemap")
    compare_picker: Widget[list[str]] = Widget("w_compare")
    profile_district: Widget[str] = Widget("w_dp_district")
    profile_ref: Widget[str] = Widget("w_dp_ref")
    events_table: Widget[dict] = Widget("w_ev_table")
    standards_editor: Widget[object] = Widget("standards-editor")
    data_example: Widget[bool] = Widget("data_example")
    present_lang: Widget[str] = Widget("w_present_lang")

    def __init__(self, session: MutableMapping[str, Any]) -> None:
        self.session = session

    @classmethod
    def categories_of(cls, layer: str) -> Param[list[str]]:
        """The Explorer's category filter of the point ``layer``."""
        return getattr(cls, f"cat_{layer.replace('-', '_')}")

    def get(self, slot: _Slot[T]) -> T:
        """The value of ``slot`` (for slots chosen at run time, e.g. per layer)."""
        return slot.read(self.session)

    def set(self, slot: _Slot[T], value: T) -> None:
        """Set ``slot`` (for slots chosen at run time)."""
        self.session[slot.key] = value

    def has(self, slot: _Slot) -> bool:
        """Whether ``slot`` has a value of its own in the session (not its default)."""
        return slot.key in self.session

    def ensure(self, *slots: _Slot) -> None:
        """Give each slot without a value of its own its current (default) value, so its
        widget, drawn without one, starts from the registry's default."""
        for slot in slots:
            if slot.key not in self.session:
                self.session[slot.key] = slot.read(self.session)

    def forget(self, slot: _Slot) -> None:
        """Remove ``slot``'s value: it reads as its default again."""
        self.session.pop(slot.key, None)

    def set_default(self, param: Param, value: object) -> None:
        """Record the default of ``param`` that only the page can compute, so the link
        leaves the parameter out while it has that value."""
        self.session[DEFAULT_PREFIX + param.key] = value
