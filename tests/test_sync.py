"""Several nodes: the primary commits what it publishes, replicas pull and reindex (``kb.sync``)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from click.testing import CliRunner

from kb import create_app, publish, sync
from kb.cli import main
from kb.errors import SyncFailed
from tests.conftest import REFUND_TEXT, add_user, login, write_article

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(folder, *args):
    subprocess.run(["git", *sync.AUTHOR, *args], cwd=folder, check=True, capture_output=True)


@pytest.fixture
def nodes(tmp_path):
    """A primary content repository and a replica cloned from it."""
    primary = tmp_path / "primary" / "content"
    primary.mkdir(parents=True)
    write_article(
        primary, "refund-time", "How long does a refund take?", "Five days.", category="refunds"
    )
    git(primary, "init", "--quiet", "-b", "main")
    git(primary, "add", "-A")
    git(primary, "commit", "--quiet", "-m", "start")
    replica = tmp_path / "replica" / "content"
    subprocess.run(["git", "clone", "--quiet", str(primary), str(replica)], check=True)
    return primary, replica


def env_for(content, data):
    return {"KB_CONTENT_DIR": str(content), "KB_DATA_DIR": str(data)}


def run(env, *args):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def answer_text(content, data, **settings):
    app = create_app(
        {"TESTING": True, "CONTENT_DIR": content, "DATA_DIR": data, "SECRET_KEY": "s", **settings}
    )
    entry = app.extensions["kb"].engine.article("refund-time", "en")
    return entry.text, entry.content_hash


def test_a_publish_on_the_primary_reaches_the_replica(nodes, tmp_path):
    primary, replica = nodes
    primary_data, replica_data = tmp_path / "primary" / "data", tmp_path / "replica" / "data"
    app = create_app(
        {"TESTING": True, "CONTENT_DIR": primary, "DATA_DIR": primary_data, "SECRET_KEY": "s"}
    )
    assert answer_text(replica, replica_data, READ_ONLY=True)[0] == "Five days."
    kb = app.extensions["kb"]
    db = kb.connect()
    published = publish.publish(
        primary,
        db,
        kb.index,
        text=REFUND_TEXT.replace("Five days.", "Seven days."),
        base_revision=1,
        author="ed",
        note="longer",
    )
    db.conn.close()

    committed = run(env_for(primary, primary_data), "sync", "--commit")
    assert committed.exit_code == 0 and committed.output.startswith("committed ")
    assert run(env_for(primary, primary_data), "sync", "--commit").output == "nothing to commit\n"

    pulled = run(env_for(replica, replica_data), "sync")
    assert pulled.exit_code == 0, pulled.output
    assert "0 new, 1 changed, 0 retired" in pulled.output
    text, content_hash = answer_text(replica, replica_data, READ_ONLY=True)
    assert text == "Seven days."
    assert content_hash == published.revision.content_hash  # the same answer, byte for byte


def test_sync_with_nothing_new_changes_nothing(nodes, tmp_path):
    _, replica = nodes
    env = env_for(replica, tmp_path / "replica" / "data")
    assert run(env, "sync").exit_code == 0
    again = run(env, "sync")
    assert again.exit_code == 0 and "0 new, 0 changed, 0 retired" in again.output


def test_sync_outside_a_git_repository_says_why(tmp_path):
    content = tmp_path / "content"
    write_article(content, "refund-time", "How long does a refund take?", "Five days.")
    result = run(env_for(content, tmp_path / "data"), "sync")
    assert result.exit_code == 1
    assert "is not a git clone" in result.output


def test_a_replica_that_diverged_is_not_overwritten(nodes, tmp_path):
    primary, replica = nodes
    (replica / "en" / "refunds" / "refund-time.md").write_text(
        REFUND_TEXT.replace("Five days.", "Local edit."), encoding="utf-8"
    )
    git(replica, "commit", "--quiet", "-am", "local edit on a replica")
    (primary / "en" / "refunds" / "refund-time.md").write_text(
        REFUND_TEXT.replace("Five days.", "Seven days."), encoding="utf-8"
    )
    git(primary, "commit", "--quiet", "-am", "primary edit")
    with pytest.raises(SyncFailed):
        sync.pull(replica)
    # nothing was half-merged
    assert "Local edit." in (replica / "en" / "refunds" / "refund-time.md").read_text()


def test_a_read_only_node_refuses_writes_and_serves_reads(make_app, content_dir):
    write_article(content_dir, "refund-time", "How long does a refund take?", "Five days.")
    app = make_app(READ_ONLY=True)
    add_user(app, "ed", "publisher")
    client = app.test_client()
    assert client.get("/en/articles/refund-time").status_code == 200
    assert client.get("/api/v1/answer?q=refund&lang=en").status_code == 200
    login(client, "ed", next_url="/en/")
    response = client.get("/editor")
    assert response.status_code == 403
    assert "read replica" in response.get_data(as_text=True)
    put = client.put("/api/v1/articles/refund-time?lang=en", json={"markdown": "x", "note": "n"})
    assert put.status_code == 403
    assert put.get_json()["error"]["code"] == "read_only_node"
