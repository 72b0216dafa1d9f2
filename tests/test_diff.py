"""Line diffs for history, conflicts and proposals."""

from __future__ import annotations

from kb.diff import line_diff


def test_identical_texts_have_no_changes():
    diff = line_diff("a\nb\n", "a\nb\n")
    assert diff.unchanged
    assert [line.kind for line in diff.lines] == ["same", "same"]


def test_changed_line_is_removed_then_added_with_line_numbers():
    diff = line_diff("one\ntwo\nthree\n", "one\n2\nthree\n")
    assert (diff.added, diff.removed) == (1, 1)
    kinds = [(line.kind, line.old_no, line.new_no, line.text) for line in diff.lines]
    assert kinds == [
        ("same", 1, 1, "one"),
        ("removed", 2, None, "two"),
        ("added", None, 2, "2"),
        ("same", 3, 3, "three"),
    ]


def test_long_unchanged_stretches_collapse_into_a_gap():
    old = "\n".join(str(n) for n in range(100))
    new = old.replace("\n50\n", "\nfifty\n")
    diff = line_diff(old, new, context=2)
    kinds = [line.kind for line in diff.lines]
    assert kinds.count("gap") == 2
    assert len(diff.lines) < 12
    assert diff.lines[0].text == "48 unchanged lines"


def test_html_in_texts_is_kept_as_text_for_the_template_to_escape():
    diff = line_diff("", "<script>alert(1)</script>")
    assert diff.lines[0].text == "<script>alert(1)</script>"
