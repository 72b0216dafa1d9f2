"""Settings: typed from the environment, every one documented in the README."""

from __future__ import annotations

from kb import config
from tests.conftest import REPO


def test_every_setting_is_documented_in_the_readme():
    readme = (REPO / "README.md").read_text()
    missing = [s.name for s in config.SETTINGS if f"`KB_{s.name}`" not in readme]
    assert not missing


def test_environment_values_are_typed_like_defaults():
    env = {
        "KB_ANSWER_THRESHOLD": "0.7",
        "KB_MAX_QUERY_LENGTH": "99",
        "KB_CONTENT_DIR": "/x",
        "KB_OTHER": "y",
    }
    assert config.from_environ(env) == {
        "ANSWER_THRESHOLD": 0.7,
        "MAX_QUERY_LENGTH": 99,
        "CONTENT_DIR": "/x",
    }


def test_environment_reaches_the_app(make_app, content_dir, monkeypatch):
    monkeypatch.setenv("KB_ANSWER_THRESHOLD", "0.9")
    app = make_app()
    assert app.config["ANSWER_THRESHOLD"] == 0.9
    assert app.extensions["kb"].engine.threshold == 0.9


def test_secret_key_is_generated_once_and_kept(make_app, content_dir, tmp_path):
    first = make_app(SECRET_KEY=None).config["SECRET_KEY"]
    assert len(first) >= 32
    assert make_app(SECRET_KEY=None).config["SECRET_KEY"] == first
    assert oct((tmp_path / "data" / "secret_key").stat().st_mode)[-3:] == "600"
