"""Presenter mode (AppTest): every slide of ?present=1 draws in both languages, the
buttons step through the deck, the link carries the slide and leaving restores the page."""

from __future__ import annotations

import pytest

from dashboard.core.state import DISTRICT_CODES
from tests.app.conftest import open_page

TITLES = {
    "zh": ("全市：外籍人员支付便利", "各区排名", "全市覆盖率趋势", "重大国际活动"),
    "en": (
        "All of Beijing: where foreign visitors can pay",
        "Districts ranked",
        "Coverage trend",
        "Events",
    ),
}
SLIDES = 3 + len(DISTRICT_CODES) + 1  # summary, ranking, trend, 16 districts, events


def _next(at):
    return at.button(key="present-next").click().run()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_slide_draws_without_an_exception(lang):
    at = open_page(None, {"present": "1", "lang": lang})
    assert not at.exception
    titles = [at.title[0].value]
    assert not at.sidebar  # no sidebar, no page navigation: the presentation only
    for n in range(2, SLIDES + 1):
        at = _next(at)
        assert not at.exception, (n, at.exception)
        assert at.query_params["slide"] == str(n)  # the link names the slide
        titles.append(at.title[0].value)
    summary, ranking, trend, events = TITLES[lang]
    assert titles[0] == summary and titles[1].startswith(ranking)
    assert trend in titles[2] and titles[-1].startswith(events)
    assert len(set(titles[3:-1])) == len(DISTRICT_CODES)  # one slide per district
    assert at.button(key="present-next").disabled  # the last slide: no further
    assert any(str(SLIDES) in m.value for m in at.markdown)  # "Slide 20 of 20"


def test_a_link_opens_its_slide_and_back_steps_back():
    at = open_page(None, {"present": "1", "lang": "en", "slide": "3"})
    assert not at.exception and "Coverage trend" in at.title[0].value
    at = at.button(key="present-prev").click().run()
    assert at.title[0].value.startswith("Districts ranked")


def test_a_slide_number_past_the_end_shows_the_last_slide():
    at = open_page(None, {"present": "1", "lang": "en", "slide": "999"})
    assert not at.exception and at.title[0].value.startswith("Events")


def test_a_chosen_list_of_districts_is_presented_in_its_order():
    query = {"present": "1", "lang": "en", "slide": "4", "districts": "110108,110101"}
    at = open_page(None, query)
    assert not at.exception and at.title[0].value == "Haidian District"
    at = _next(at)
    assert at.title[0].value == "Dongcheng District"
    at = _next(at)
    assert at.title[0].value.startswith("Events")


def test_leaving_returns_to_the_page_with_its_view():
    at = open_page(None, {"lang": "en", "district": "110105"})
    assert not at.exception
    at = at.switch_page("../pages/compare.py").run()
    at = at.sidebar.button(key="present-enter").click().run()
    assert not at.exception and not at.sidebar
    assert at.title[0].value == "All of Beijing: where foreign visitors can pay"
    at = at.button(key="present-exit").click().run()
    assert not at.exception
    assert at.title[0].value == "How the districts compare"
    assert at.sidebar.selectbox(key="w_district").value == "110105"
    assert "present" not in at.query_params and "slide" not in at.query_params


def test_the_synthetic_payments_are_named_on_the_slides():
    at = open_page(None, {"present": "1", "lang": "en"})
    assert any("synthetic" in c.value for c in at.caption)
