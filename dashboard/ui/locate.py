""" "Near me": the device's own position (the browser's geolocation, WGS-84) for the
Inspect page, through a small component of our own (no network, no library).

The browser asks the user for permission; it answers only on a secure page (HTTPS, or
the machine itself). The position is kept in this session's widget state only.
"""

from __future__ import annotations

import streamlit.components.v2 as components

from dashboard.core.i18n import t

_CSS = """
button.atlas-locate {
  font: inherit; padding: 0.4rem 0.9rem; border-radius: 0.5rem; cursor: pointer;
  border: 1px solid var(--st-border-color, #ccc);
  background: var(--st-secondary-background-color, #f6f6f6);
  color: var(--st-text-color, #222);
}
span.atlas-locate-status { margin-left: 0.6rem; font-size: 0.85rem; opacity: 0.75; }
"""

_JS = """
export default function(component) {
  const { data, setStateValue, parentElement } = component;
  let button = parentElement.querySelector('button.atlas-locate');
  let status = parentElement.querySelector('span.atlas-locate-status');
  if (!button) {
    button = document.createElement('button');
    button.className = 'atlas-locate';
    button.type = 'button';
    status = document.createElement('span');
    status.className = 'atlas-locate-status';
    parentElement.appendChild(button);
    parentElement.appendChild(status);
  }
  button.textContent = data.label;  // text, never markup
  button.onclick = () => {
    if (!navigator.geolocation) { status.textContent = data.unavailable; return; }
    status.textContent = data.waiting;
    navigator.geolocation.getCurrentPosition(
      (p) => {
        status.textContent = '';
        setStateValue('position', {
          lon: p.coords.longitude, lat: p.coords.latitude, accuracy: p.coords.accuracy,
        });
      },
      () => { status.textContent = data.refused; },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  };
}
"""

_COMPONENT = components.component("exchange_atlas_locate", css=_CSS, js=_JS)


def near_me(lang: str, key: str = "ip_locate") -> tuple[float, float, float] | None:
    """A "Near me" button; the device's ``(lon, lat, accuracy_m)`` once the user allowed it
    (None before, or when the browser refused)."""
    data = {
        "label": t("ip_near_me", lang),
        "waiting": t("ip_locating", lang),
        "refused": t("ip_locate_refused", lang),
        "unavailable": t("ip_locate_unavailable", lang),
    }
    result = _COMPONENT(data=data, key=key, on_position_change=lambda: None)
    pos = getattr(result, "position", None)
    if not isinstance(pos, dict):
        return None
    try:
        lon, lat = float(pos["lon"]), float(pos["lat"])
        acc = float(pos.get("accuracy") or 0.0)
    except (KeyError, TypeError, ValueError):
        return None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return lon, lat, acc
