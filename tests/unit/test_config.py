"""Configuration from SUPERVISION_* variables and the production safety checks."""

import pytest

from supervision.config import ConfigError, load_config


def test_defaults_and_generated_secret(tmp_path, monkeypatch):
    for key in ("SUPERVISION_ENV", "SUPERVISION_SECRET_KEY", "SUPERVISION_DATABASE_URL"):
        monkeypatch.delenv(key, raising=False)
    cfg = load_config({"INSTANCE_PATH": str(tmp_path)})
    assert cfg["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'supervision.db'}"
    assert cfg["UPLOAD_FOLDER"] == str(tmp_path / "uploads")
    assert cfg["AUTO_ACCEPT"] is True and cfg["DUE_DAYS"] == 15 and cfg["LOCK_DAYS"] == 90
    assert cfg["TIMEZONE"] == "Asia/Shanghai"
    assert len(cfg["SECRET_KEY"]) >= 32
    # stored once and reused
    assert load_config({"INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"] == cfg["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_values(tmp_path, monkeypatch):
    monkeypatch.setenv("SUPERVISION_AUTO_ACCEPT", "off")
    monkeypatch.setenv("SUPERVISION_DUE_DAYS", "20")
    monkeypatch.setenv("SUPERVISION_UPLOAD_FOLDER", str(tmp_path / "up"))
    cfg = load_config({"INSTANCE_PATH": str(tmp_path)})
    assert cfg["AUTO_ACCEPT"] is False and cfg["DUE_DAYS"] == 20 and cfg["UPLOAD_FOLDER"] == str(tmp_path / "up")


def test_bad_values_are_named(tmp_path, monkeypatch):
    monkeypatch.setenv("SUPERVISION_DUE_DAYS", "fifteen")
    with pytest.raises(ConfigError, match="SUPERVISION_DUE_DAYS"):
        load_config({"INSTANCE_PATH": str(tmp_path)})


def test_production_refuses_insecure_configuration(tmp_path, monkeypatch):
    monkeypatch.setenv("SUPERVISION_ENV", "production")
    monkeypatch.delenv("SUPERVISION_SECRET_KEY", raising=False)
    monkeypatch.delenv("SUPERVISION_DATABASE_URL", raising=False)
    with pytest.raises(ConfigError) as err:
        load_config({"INSTANCE_PATH": str(tmp_path)})
    text = str(err.value)
    assert "SUPERVISION_SECRET_KEY" in text and "SUPERVISION_DATABASE_URL" in text
    assert "SUPERVISION_RATELIMIT_STORAGE_URL" in text
    monkeypatch.setenv("SUPERVISION_SECRET_KEY", "changeme")
    with pytest.raises(ConfigError, match="too weak"):
        load_config({"INSTANCE_PATH": str(tmp_path)})


def test_production_accepts_secure_configuration(tmp_path, monkeypatch):
    monkeypatch.setenv("SUPERVISION_ENV", "production")
    monkeypatch.setenv("SUPERVISION_SECRET_KEY", "Zq8-vL2pX0aT7mW4rN9bK3yH6cF1dJ5sG8eU")
    monkeypatch.setenv("SUPERVISION_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/x")
    monkeypatch.setenv("SUPERVISION_RATELIMIT_STORAGE_URL", "redis://127.0.0.1:6379/0")
    cfg = load_config({"INSTANCE_PATH": str(tmp_path)})
    assert cfg["SESSION_COOKIE_SECURE"] and cfg["REMEMBER_COOKIE_SECURE"]
    assert not (tmp_path / "secret_key").exists()
