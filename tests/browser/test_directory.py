"""The public service directory in a real browser, without signing in: English, then Dari."""

import time

import pytest

pytestmark = pytest.mark.browser


def _search(page, country: str, service_type: str) -> None:
    page.select_option("select[name=country]", country)
    page.select_option("select[name=service_type]", service_type)
    with page.expect_navigation():
        page.locator("form.search-form button[type=submit]").click()


def _found(page) -> list[str]:
    return [name.strip() for name in page.locator("article.service h3 a").all_inner_texts()]


def test_anonymous_search_by_country_and_type_in_english_and_dari(
    demo, live_server, page, switch_language, tmp_path
):
    started = time.perf_counter()
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url, "the platform itself needs a sign-in"
    page.click("footer a[href='/directory/']")  # the directory is one click away
    page.wait_for_url(f"{live_server.url}/directory/")
    assert page.locator("html").get_attribute("dir") == "ltr"

    _search(page, "AF", "shelter")
    assert _found(page) == ["Safe shelter for women and girls"]
    card = page.locator("article.service").first
    assert "Hamdili Women's Protection Organisation" in card.inner_text()
    assert "Intake desk" in card.inner_text() and "+93202100011" in card.inner_text()

    _search(page, "TJ", "legal_aid")
    assert _found(page) == []
    assert "No service matches" in page.inner_text("main")

    switch_language(page, "fa-af")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "fa-af"
    # Country names come from the iso-codes catalogues, in Dari.
    assert page.locator("select[name=country] option[value=AF]").inner_text() == "افغانستان"
    _search(page, "PK", "legal_aid")
    assert _found(page) == ["Legal aid for survivors"]
    assert "پاکستان" in page.locator("article.service").first.inner_text()
    # Right to left: the language switcher sits on the left, the brand on the right.
    width = page.viewport_size["width"]
    assert page.locator("header form.lang").bounding_box()["x"] < width / 2
    assert page.locator("header .brand").bounding_box()["x"] > width / 2

    page.locator("article.service h3 a").first.click()
    page.wait_for_url("**/directory/services/*/")
    assert "Roshan Rights Foundation" in page.inner_text("main")
    page.screenshot(path=tmp_path / "directory-fa.png", full_page=True)
    assert (tmp_path / "directory-fa.png").stat().st_size > 10_000
    print(f"directory browser walk: {time.perf_counter() - started:.1f} s")
