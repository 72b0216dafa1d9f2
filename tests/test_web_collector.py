"""Full garbage collections run after responses, not during requests (``kb.web.collector``)."""

from __future__ import annotations

import gc

import pytest

from kb.web.collector import NEVER, CollectBetweenRequests


@pytest.fixture
def thresholds():
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


def test_full_collections_never_run_on_their_own(thresholds):
    CollectBetweenRequests(lambda environ, start_response: [b""])
    assert gc.get_threshold()[2] == NEVER


def test_a_full_collection_runs_after_the_response_once_due(thresholds):
    events = []

    def app(environ, start_response):
        start_response("200 OK", [])
        return [b"body"]

    wrapped = CollectBetweenRequests(app, every=3)
    gc.callbacks.append(lambda phase, info: events.append((phase, info["generation"])))
    try:
        gc.collect()  # counts start from zero
        events.clear()
        body = wrapped({}, lambda *a: None)
        assert list(body) == [b"body"]
        body.close()
        assert wrapped.collections == 0  # not due yet: no young collections happened
        for _ in range(3):
            gc.collect(1)
        events.clear()
        body = wrapped({}, lambda *a: None)
        assert list(body) == [b"body"] and not [e for e in events if e[1] == 2]
        body.close()  # the server closes the body after sending it
        assert wrapped.collections == 1
        assert ("start", 2) in events
    finally:
        gc.callbacks.pop()


def test_cyclic_garbage_is_still_collected(thresholds):
    import weakref

    class Node:
        pass

    wrapped = CollectBetweenRequests(lambda e, s: [b""], every=1)
    a, b = Node(), Node()
    a.other, b.other = b, a
    ref = weakref.ref(a)
    del a, b
    gc.collect(1)
    wrapped({}, lambda *x: None).close()
    assert ref() is None


def test_full_collections_are_spaced_by_their_own_duration(thresholds, monkeypatch):
    import kb.web.collector as collector

    clock = [1000.0]
    monkeypatch.setattr(collector.time, "monotonic", lambda: clock[0])

    def slow_collect(*args):
        clock[0] += 0.04  # a 40 ms full pass

    monkeypatch.setattr(collector.gc, "collect", slow_collect)
    monkeypatch.setattr(collector.gc, "get_count", lambda: (0, 0, 10))  # always due by count
    wrapped = CollectBetweenRequests(lambda e, s: [b""], every=10, spacing=100)

    def request(seconds_later: float) -> None:
        clock[0] += seconds_later
        wrapped({}, lambda *x: None).close()

    request(0)
    assert wrapped.collections == 1
    request(1.0)
    request(2.9)  # 3.9 s after the pass ended: 100 x 40 ms not yet over
    assert wrapped.collections == 1
    request(0.1)
    assert wrapped.collections == 2
    request(0.5)
    assert wrapped.collections == 2


def test_the_response_is_closed_before_a_collection_even_when_closing_it_fails(thresholds):
    events = []

    class Body:
        def __iter__(self):
            events.append("sent")
            return iter([b"a", b"b"])

        def close(self):
            events.append("closed")
            raise OSError("the client went away")

    wrapped = CollectBetweenRequests(lambda environ, start_response: Body(), every=0, spacing=0)
    wrapped._collect_if_due = lambda: events.append("collected")
    response = wrapped({}, lambda *args: None)
    assert b"".join(response) == b"ab"
    with pytest.raises(OSError):
        response.close()
    assert events == ["sent", "closed", "collected"]
