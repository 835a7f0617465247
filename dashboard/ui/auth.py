"""Sign-in on a shared deployment: who is using this session, and the sign-in form.

Three modes (``EXCHANGE_ATLAS_AUTH``, or ``exchange-atlas run --auth``): ``none`` — one's
own machine, no sign-in, the single user is an admin (:data:`dashboard.core.rights.LOCAL`);
``password`` — accounts of the users file (:mod:`loaders.users_store`, argon2 hashes);
``oidc`` — the city's identity provider through Streamlit's ``st.login`` (accounts of the
users file named by the e-mail address give roles; anyone else signed in is a viewer).
Without the variable, sign-in is on exactly when a users file with an account exists.

The account lives in this session's state only, so a session never sees another's. The
rights themselves are enforced where the writes happen (:mod:`loaders.writes`), not here.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from typing import Final

import streamlit as st

from dashboard.core.i18n import t
from dashboard.core.rights import LOCAL, Actor
from dashboard.core.safetext import md_literal
from dashboard.core.state import ALL
from dashboard.ui import session
from loaders import users_store
from loaders.workspace import default_home

ENV_AUTH: Final[str] = "EXCHANGE_ATLAS_AUTH"
MODES: Final[tuple[str, ...]] = ("none", "password", "oidc")
ACTOR_KEY: Final[str] = "_signed_in"
#: Who a session is before signing in, where sign-in is on: sees nothing.
NOBODY: Final[Actor] = Actor("anonymous", "viewer", via="web")


def mode() -> str:
    """The sign-in mode in effect (:data:`MODES`)."""
    value = os.environ.get(ENV_AUTH, "").strip().lower()
    if value in MODES:
        return value
    return "password" if users_store.users_enabled(default_home()) else "none"


def _oidc_actor() -> Actor | None:
    user = st.user
    if not user.get("is_logged_in"):
        return None
    email = str(user.get("email") or user.get("sub") or "")
    return users_store.oidc_actor(email, default_home())


def actor() -> Actor:
    """Who this session acts as: the local admin, the signed-in account, or nobody."""
    m = mode()
    if m == "none":
        return LOCAL
    if m == "oidc":
        return _oidc_actor() or NOBODY
    return st.session_state.get(ACTOR_KEY) or NOBODY


def signed_in() -> bool:
    """Whether the session may see the app (always, without sign-in)."""
    return mode() == "none" or actor() is not NOBODY


def display_name(a: Actor) -> str:
    """The account's name as an inspector would sign a record (empty for the local user)."""
    return "" if a is LOCAL else a.name


def client_address(peer: str | None, headers: Mapping[str, str]) -> str:
    """The client's address for the sign-in throttle: the TCP peer (``peer``, as
    ``st.context.ip_address`` gives it), or, when the peer is loopback (``None``: the
    reverse proxy of docs/deploy.md, which sets ``X-Real-IP`` and ``X-Forwarded-For`` to
    the address it was connected from), the address the proxy forwarded. Only a valid IP
    address is taken; anything else is "" (no per-client count). A remote peer's
    forwarded headers are never believed: it could write any."""
    if peer:
        return peer
    forwarded = headers.get("X-Real-Ip") or headers.get("X-Real-IP") or ""
    if not forwarded:
        chain = headers.get("X-Forwarded-For") or ""
        forwarded = chain.split(",")[-1] if chain else ""  # the hop the proxy saw
    try:
        return str(ipaddress.ip_address(forwarded.strip()))
    except ValueError:
        return ""


def _client() -> str:
    """What identifies the client for slowing down repeated failures (its address)."""
    try:
        return client_address(st.context.ip_address, st.context.headers)
    except Exception:  # noqa: BLE001 - not available outside a browser session
        return ""


def _provider_configured() -> bool:
    """Whether ``.streamlit/secrets.toml`` has an ``[auth]`` section (no file: no)."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # StreamlitSecretNotFoundError: no secrets file at all
        return False


def sign_in_form(lang: str) -> None:
    """The sign-in form (password mode) or the identity provider's button (oidc)."""
    st.title(t("si_title", lang))
    st.caption(t("si_caption", lang))
    if mode() == "oidc":
        if not _provider_configured():
            st.error(t("si_oidc_missing", lang))
            return
        st.button(t("si_oidc", lang), type="primary", on_click=st.login)
        return
    with st.form("sign_in"):
        name = st.text_input(t("si_name", lang), key="si_name")
        password = st.text_input(t("si_password", lang), type="password", key="si_password")
        submitted = st.form_submit_button(t("si_submit", lang), type="primary")
    if submitted:
        try:
            who = users_store.authenticate(name, password, client=_client(), home=default_home())
        except users_store.SignInLocked as exc:
            st.error(t("si_locked", lang, minutes=max(1, round(exc.seconds / 60))))
            return
        finally:
            st.session_state.pop("si_password", None)  # the password is not kept
        if who is None:
            st.error(t("si_failed", lang))
            return
        st.session_state[ACTOR_KEY] = Actor(who.name, who.role, who.districts, via="web")
        if who.role == "editor" and who.districts and session.view().district == ALL:
            session.set_view(district=who.districts[0])  # an editor starts in their district
        st.rerun()


def sign_out() -> None:
    if mode() == "oidc":
        st.logout()
    st.session_state.pop(ACTOR_KEY, None)


def account_box(box, lang: str, district_names: dict[str, str]) -> None:
    """Who is signed in (and a sign-out button), in ``box`` (the sidebar)."""
    a = actor()
    if mode() == "none":
        box.caption(t("si_local", lang))
        return
    box.caption(t("si_as", lang, name=md_literal(a.name), role=t(f"role_{a.role}", lang)))
    if a.role == "editor" and a.districts:
        names = "、".join(district_names.get(d, d) for d in a.districts)
        box.caption(t("si_districts", lang, names=md_literal(names)))
    box.button(t("si_out", lang), key="si_out", on_click=sign_out)
