"""The public FAQ: pages, languages, right-to-left, JSON-LD, receipts."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest


class Page(HTMLParser):
    """Collects elements and attributes of a page for assertions."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_jsonld = False
        self.title = ""
        self._in_title = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        self._in_jsonld = tag == "script" and attrs.get("type") == "application/ld+json"
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_jsonld = self._in_title = False

    def handle_data(self, data):
        if self._in_jsonld:
            self.scripts.append(data)
        if self._in_title:
            self.title += data

    def find(self, tag=None, **attrs):
        return [
            a
            for t, a in self.elements
            if (tag is None or t == tag)
            and all(a.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())
        ]

    def jsonld(self):
        return [json.loads(s) for s in self.scripts]


def get_page(client, url, status=200):
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code)
    return Page(r.get_data(as_text=True)), r


def test_root_redirects_by_accept_language(sample_client):
    r = sample_client.get("/", headers={"Accept-Language": "tr-TR,tr;q=0.9"})
    assert r.status_code == 302
    assert r.headers["Location"].endswith("/tr/")


@pytest.mark.parametrize(
    ("lang", "direction"),
    [("en", "ltr"), ("ru", "ltr"), ("tr", "ltr"), ("fa", "rtl"), ("ar", "rtl")],
)
def test_home_lists_categories_in_each_language(sample_client, lang, direction):
    page, _ = get_page(sample_client, f"/{lang}/")
    html = page.find("html")[0]
    assert html["lang"] == lang
    assert html["dir"] == direction
    assert len(page.find("section", class_="category-card")) >= 5
    assert page.find("meta", name="viewport")
    # the language switcher links every language
    assert {a.get("hreflang") for a in page.find("a") if a.get("hreflang")} >= {
        "en",
        "ru",
        "tr",
        "az",
        "fa",
        "ar",
    }


def test_article_page_has_receipt_jsonld_title_and_translations(sample_client, engine):
    entry = engine.article("cancel-before-shipping", "en")
    page, r = get_page(sample_client, "/en/articles/cancel-before-shipping")
    answer = page.find(class_="answer article")[0]
    assert answer["data-article-id"] == "cancel-before-shipping"
    assert answer["data-lang"] == "en"
    assert answer["data-revision"] == str(entry.revision)
    assert answer["data-content-hash"] == entry.content_hash
    assert page.title.startswith("Can I cancel my order before it ships?")
    (ld,) = page.jsonld()
    assert ld["@type"] == "FAQPage"
    assert ld["mainEntity"][0]["name"] == entry.title
    assert ld["mainEntity"][0]["acceptedAnswer"]["text"] == entry.summary_text
    alternates = {a["hreflang"]: a["href"] for a in page.find("link", rel="alternate")}
    assert alternates["ar"] == "/ar/articles/cancel-before-shipping"
    assert "Content-Security-Policy" in r.headers


@pytest.mark.parametrize(
    ("article", "translated"),
    [
        ("cancel-before-shipping", {"en", "ru", "tr", "az", "fa", "ar"}),
        ("cancel-after-shipping", {"en"}),
    ],
)
def test_the_language_switcher_leads_to_the_translation_or_the_language_home(
    sample_client, article, translated
):
    page, _ = get_page(sample_client, f"/en/articles/{article}")
    links = {a["hreflang"]: a["href"] for a in page.find("a") if a.get("hreflang")}
    assert links == {
        code: f"/{code}/articles/{article}" if code in translated else f"/{code}/"
        for code in ("en", "ru", "tr", "az", "fa", "ar")
    }


def test_arabic_article_is_right_to_left(sample_client):
    page, _ = get_page(sample_client, "/ar/articles/cancel-before-shipping")
    assert page.find("html")[0]["dir"] == "rtl"
    assert page.find(class_="answer article")[0]["data-lang"] == "ar"


def test_category_page_has_faqpage_jsonld(sample_client):
    page, _ = get_page(sample_client, "/en/categories/refunds")
    (ld,) = page.jsonld()
    assert ld["@type"] == "FAQPage"
    assert len(ld["mainEntity"]) == len(page.find("section", class_="answer"))
    assert all(q["acceptedAnswer"]["text"] for q in ld["mainEntity"])


def test_internal_articles_never_on_public_pages(sample_client, engine):
    internal = [e for e in engine.index.entries(lang="en") if not e.is_public]
    assert internal, "the sample content has internal articles"
    for entry in internal:
        get_page(sample_client, f"/en/articles/{entry.id}", status=404)
        home = sample_client.get("/en/").get_data(as_text=True)
        assert f'/en/articles/{entry.id}"' not in home
        page = sample_client.get(f"/en/categories/{entry.category}").get_data(as_text=True)
        assert entry.id not in page
        search = sample_client.get("/en/search", query_string={"q": entry.title}).get_data(
            as_text=True
        )
        assert f'data-article-id="{entry.id}"' not in search


def test_search_page_shows_best_answer_and_highlights(sample_client):
    page, _ = get_page(sample_client, "/en/search?q=can+I+cancel+my+order+before+it+ships")
    best = page.find("section", class_="answer")
    assert best and best[0]["data-article-id"] == "cancel-before-shipping"
    html = sample_client.get("/en/search?q=refund").get_data(as_text=True)
    assert "<mark>" in html


def test_search_page_echoes_query_escaped(sample_client):
    html = sample_client.get(
        "/en/search", query_string={"q": '<script>alert(1)</script>"'}
    ).get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html


def test_empty_search_page_is_fine(sample_client):
    page, _ = get_page(sample_client, "/en/search?q=")
    assert not page.find("section", class_="answer")


@pytest.mark.parametrize(
    "url",
    [
        "/xx/",
        "/en/articles/does-not-exist",
        "/en/categories/nothing",
        "/ar/articles/goodwill-gestures",
        "/nope",
    ],
)
def test_missing_pages_are_404_html(sample_client, url):
    r = sample_client.get(url, follow_redirects=True)
    assert r.status_code == 404
    assert r.mimetype == "text/html"
    assert "Content-Security-Policy" in r.headers


def test_faq_links_point_to_existing_pages(sample_client):
    html = sample_client.get("/en/articles/cancel-before-shipping").get_data(as_text=True)
    links = set(re.findall(r'href="(/en/articles/[a-z0-9-]+)"', html))
    assert links
    for link in links:
        assert sample_client.get(link).status_code == 200, link


def test_chat_widget_is_on_the_home_page(sample_client):
    page, _ = get_page(sample_client, "/en/")
    (chat,) = page.find("section", id="chat")
    assert chat["data-endpoint"] == "/api/v1/chat"
    assert chat["data-lang"] == "en"


@pytest.mark.parametrize("revision", ["9" * 30, str(-(2**63) - 1), "abc", ""])
def test_feedback_form_with_a_bad_revision_is_400(sample_client, revision):
    # a revision past SQLite's integers was a 500 (found by tests/test_xss.py)
    r = sample_client.post(
        "/en/feedback",
        data={"article": "cancel-before-shipping", "revision": revision, "helpful": "yes"},
    )
    assert r.status_code == 400
