"""Configuration from SUPERVISION_* variables and the production safety checks."""

import multiprocessing
import os

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


def test_copy_while_reading_is_one_of_three(tmp_path, monkeypatch):
    monkeypatch.delenv("SUPERVISION_INGEST_COPY_WHILE_READING", raising=False)
    assert load_config({"INSTANCE_PATH": str(tmp_path)})["INGEST_COPY_WHILE_READING"] == "auto"
    monkeypatch.setenv("SUPERVISION_INGEST_COPY_WHILE_READING", " On ")
    assert load_config({"INSTANCE_PATH": str(tmp_path)})["INGEST_COPY_WHILE_READING"] == "on"
    monkeypatch.setenv("SUPERVISION_INGEST_COPY_WHILE_READING", "sometimes")
    with pytest.raises(ConfigError, match=r"SUPERVISION_INGEST_COPY_WHILE_READING .*auto, on, off.*'sometimes'"):
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


def _key_after(barrier, instance: str, out) -> None:
    """In a forked process: wait for the others, then load the configuration; report the key or the
    error (the process exits without pytest's clean-up)."""
    try:
        barrier.wait(timeout=30)
        out.put(("key", load_config({"INSTANCE_PATH": instance})["SECRET_KEY"]))
    except BaseException as exc:
        out.put(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        out.close()
        out.join_thread()  # the answer is in the pipe before the process ends
        os._exit(0)


def test_processes_starting_together_share_one_complete_generated_secret(tmp_path, monkeypatch):
    """Several processes reading the configuration of a fresh instance at once (web workers starting,
    the ingest command and its guard helper) all get the one generated key: none fails because
    another created the file first, and none reads it before its key is written."""
    for key in ("SUPERVISION_ENV", "SUPERVISION_SECRET_KEY", "SUPERVISION_DATABASE_URL"):
        monkeypatch.delenv(key, raising=False)
    ctx = multiprocessing.get_context("fork")
    for attempt in range(15):
        instance = tmp_path / f"instance{attempt}"
        barrier, out = ctx.Barrier(8), ctx.Queue()
        procs = [ctx.Process(target=_key_after, args=(barrier, str(instance), out)) for _ in range(8)]
        for p in procs:
            p.start()
        answers = [out.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(timeout=30)
        assert [a for a in answers if a[0] == "error"] == []
        keys = {a[1] for a in answers}
        assert len(keys) == 1 and len(keys.pop()) >= 32, answers
        assert (instance / "secret_key").read_text().strip() == answers[0][1]
        assert sorted(p.name for p in instance.iterdir()) == ["secret_key"]  # nothing else left behind


def test_an_empty_stored_secret_is_replaced_not_used(tmp_path, monkeypatch):
    """A ``secret_key`` left empty (an earlier release created the file before writing it) is never
    used as the key: a new one replaces it and is kept."""
    for key in ("SUPERVISION_ENV", "SUPERVISION_SECRET_KEY", "SUPERVISION_DATABASE_URL"):
        monkeypatch.delenv(key, raising=False)
    (tmp_path / "secret_key").write_text("\n")
    key = load_config({"INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"]
    assert len(key) >= 32 and (tmp_path / "secret_key").read_text() == key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert load_config({"INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"] == key
