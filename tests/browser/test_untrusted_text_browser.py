"""Untrusted text stays text in a real browser: names, addresses and sources from a
user's file are shown literally (no emphasis, link, image or directive), and a source
becomes a link only when it is a valid http(s) URL."""

from __future__ import annotations

import subprocess

import pytest

from tests.browser.conftest import _exe, loopback_server, settle, shot, start_server, stop_server

pytestmark = pytest.mark.browser
SIDE = "[data-testid=stColumn]:has([data-testid=stTextInput])"


@pytest.fixture(scope="module")
def beacon():
    """A loopback server that counts every request: an image or link would hit it."""
    with loopback_server() as server:
        yield server


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory, beacon):
    """`exchange-atlas run` on a workspace whose key locations came from a hostile file."""
    base, _ = beacon
    d = tmp_path_factory.mktemp("hostile")
    src = d / "hostile.csv"
    src.write_text(
        "name_zh,name_en,category,lon,lat,address,source\n"
        f'"**粗体** [链接](javascript:alert(1))","**bold** [link](javascript:alert(1)) '
        f'![i]({base}/name.png)",mall,116.4590,39.9097,"<img src={base}/addr.png> **a**",'
        '"javascript:alert(1); www.example.com"\n'
        f'"自动链接 www.example.com","autolink www.example.com {base}/auto.png :red[red] $x^2$",'
        f'hotel,116.4100,39.9100,"Jianguomenwai {base}/addr2","{base}/ok_(1)"\n',
        encoding="utf-8",
    )
    home = d / "home"
    subprocess.run(
        [
            _exe(),
            "import",
            str(src),
            "--layer",
            "key-locations",
            "--crs",
            "wgs84",
            "--home",
            str(home),
        ],
        check=True,
        capture_output=True,
    )
    proc, url = start_server(home, d)
    yield url
    stop_server(proc)


def _literal_side_panel(page) -> str:
    side = page.locator(SIDE)
    # the page's own bold title holds the whole name; no emphasis made from inside it
    strong = side.locator("strong, em").all_inner_texts()
    assert not [x for x in strong if x.strip() in ("bold", "a", "粗体")], strong
    assert side.locator("a[href^='javascript']").count() == 0
    assert side.locator("img").count() == 0
    assert side.locator("[data-testid=stMarkdownContainer] span[class*=red]").count() == 0
    return side.inner_text().replace("\u2060", "")  # the invisible joiner md_literal adds


def test_search_results_and_details_show_hostile_names_literally(page, hostile_url, beacon):
    base, hits = beacon
    page.goto(f"{hostile_url}/explore?lang=en&q=bold&place=key-locations:K-IMP-0000001")
    settle(page)
    text = _literal_side_panel(page)
    assert f"**bold** [link](javascript:alert(1)) ![i]({base}/name.png)" in text
    assert f"<img src={base}/addr.png> **a**" in text  # the address, as written
    # the source 'javascript:…; www.example.com' is not a valid URL: text, not a link
    side = page.locator(SIDE)
    assert "javascript:alert(1)" in text and "www.example.com" in text
    assert side.locator("a[href*='example.com']").count() == 0
    shot(page, "untrusted-search-en")

    page.goto(f"{hostile_url}/explore?lang=zh&q=自动链接&place=key-locations:K-IMP-0000002")
    settle(page)
    text = _literal_side_panel(page)
    assert f"autolink www.example.com {base}/auto.png :red[red] $x^2$" in text
    assert side.locator("a[href*='example.com']").count() == 0
    assert side.locator(".katex").count() == 0
    # a valid source URL is a link to exactly that URL (parentheses percent-encoded)
    links = side.locator(f"a[href^='{base}']")
    assert links.count() == 1
    assert links.first.get_attribute("href") == f"{base}/ok_%281%29"
    assert links.first.inner_text() == f"{base}/ok_(1)"
    shot(page, "untrusted-search-zh")
    assert hits == []  # nothing was requested from the names, addresses or sources


def test_shipped_source_links_open_the_source(page, app_url):
    page.goto(f"{app_url}/explore?lang=en&place=venues:V001")
    settle(page)
    side = page.locator(SIDE)
    caption = side.get_by_text("Source:")
    assert "\\" not in caption.inner_text()
    links = side.locator("a[href*='wikipedia']")
    assert links.first.get_attribute("href") == (
        "http://en.wikipedia.org/wiki/Olympic_Green_Convention_Center"
    )
    assert (
        links.first.inner_text() == "http://en.wikipedia.org/wiki/Olympic_Green_Convention_Center"
    )
    assert side.locator("a").count() >= 2  # every source of the place, each its own link
