"""Translations go out of date when their source changes, until updated or confirmed."""

from __future__ import annotations

import datetime as dt

import pytest

from kb import publish, translations
from tests.conftest import PASSWORD, add_user, article_text, login, write_article

EN = article_text("refund-time", "How long does a refund take?", "Five days.", category="refunds")
RU = article_text(
    "refund-time", "Сколько идёт возврат?", "Пять дней.", lang="ru", category="refunds"
)


@pytest.fixture
def kb(make_app, content_dir):
    write_article(
        content_dir, "refund-time", "How long does a refund take?", "Five days.", category="refunds"
    )
    # "ar" and "ru" sort around "en": the first start must not think they are older
    for code, title in (("ru", "Сколько идёт возврат?"), ("ar", "كم يستغرق الاسترداد؟")):
        write_article(content_dir, "refund-time", title, "...", lang=code, category="refunds")
    app = make_app()
    knowledge = app.extensions["kb"]
    knowledge.db = knowledge.connect()
    knowledge.app = app
    yield knowledge
    knowledge.db.conn.close()


def put(kb, text, base):
    return publish.publish(
        kb.content_dir, kb.db, kb.index, text=text, base_revision=base, author="pat", note="n"
    )


def outdated(kb):
    return translations.outdated_keys(kb.db, "en")


def flags(kb):
    return {e.key: e.outdated for e in kb.index.entries(id="refund-time")}


def test_first_import_is_in_step(kb):
    assert outdated(kb) == set()
    assert set(translations.states(kb.db, "en")) == {"ru:refund-time", "ar:refund-time"}


def test_source_change_marks_translations_outdated_in_history_and_index(kb):
    put(kb, EN.replace("Five days.", "Three days."), base=1)
    assert outdated(kb) == {"ru:refund-time", "ar:refund-time"}
    assert flags(kb) == {"en:refund-time": False, "ru:refund-time": True, "ar:refund-time": True}
    state = translations.states(kb.db, "en")["ru:refund-time"]
    assert (state.source_revision, state.synced_revision) == (2, 1)


def test_updating_a_translation_brings_it_in_step(kb):
    put(kb, EN.replace("Five days.", "Three days."), base=1)
    put(kb, RU.replace("Пять дней.", "Три дня."), base=1)
    assert outdated(kb) == {"ar:refund-time"}
    assert flags(kb)["ru:refund-time"] is False


def test_confirming_a_translation_clears_the_mark(kb):
    put(kb, EN.replace("Five days.", "Three days."), base=1)
    state = publish.confirm_translation(
        kb.db, kb.index, article_id="refund-time", lang="ar", author="pat"
    )
    assert not state.outdated
    assert outdated(kb) == {"ru:refund-time"}
    assert flags(kb)["ar:refund-time"] is False
    put(kb, EN.replace("Five days.", "Two days."), base=2)
    assert outdated(kb) == {"ru:refund-time", "ar:refund-time"}


def test_verifying_the_source_does_not_outdate_translations(kb):
    publish.verify(
        kb.content_dir,
        kb.db,
        kb.index,
        article_id="refund-time",
        lang="en",
        review_by=dt.date.today() + dt.timedelta(days=30),
        base_revision=1,
        author="pat",
    )
    assert outdated(kb) == set()


def test_external_source_edit_outdates_translations_at_next_start(kb):
    path = kb.content_dir / "en/refunds/refund-time.md"
    path.write_text(path.read_text().replace("Five days.", "Ten days."))
    kb.startup()
    assert outdated(kb) == {"ru:refund-time", "ar:refund-time"}
    assert flags(kb)["ru:refund-time"] is True


def test_sidebar_warns_agents_reading_an_outdated_translation(kb):
    put(kb, EN.replace("Five days.", "Three days."), base=1)
    add_user(kb.app, "agent1", "agent")
    client = kb.app.test_client()
    login(client, "agent1", PASSWORD)
    html = client.get("/agent/search?q=возврат&lang=ru").get_data(as_text=True)
    assert 'class="warning outdated"' in html
    html = client.get("/agent/search?q=refund&lang=en").get_data(as_text=True)
    assert 'class="warning outdated"' not in html
