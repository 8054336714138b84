"""The settings refuse unsafe production configurations and parse the environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from trialfinder.settings import database_from_url

ROOT = Path(__file__).resolve().parent.parent


def load_settings(
    env: dict, tmp_path, *, module: str = "trialfinder.settings", then: str = "print('started')"
) -> subprocess.CompletedProcess:
    """Start Django in a new process with `env`, then run the code `then`."""
    clean = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}
    }
    clean.update(env, VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE=module)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {then}"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_refuses_to_start_without_a_secret_when_debug_is_off(tmp_path):
    result = load_settings({"ALLOWED_HOSTS": "example.org"}, tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_it_refuses_to_start_without_allowed_hosts_when_debug_is_off(tmp_path):
    result = load_settings({"SECRET_KEY": "a-real-secret-" * 4}, tmp_path)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is empty" in result.stderr


def test_it_starts_in_production_with_a_secret_and_hosts(tmp_path):
    result = load_settings(
        {"SECRET_KEY": "a-real-secret-" * 4, "ALLOWED_HOSTS": "example.org"}, tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_it_generates_and_keeps_a_development_secret_in_debug(tmp_path):
    first = load_settings({"DEBUG": "1"}, tmp_path)
    assert first.returncode == 0, first.stderr
    secret = (tmp_path / "development-secret-key").read_text()
    assert len(secret) >= 50
    load_settings({"DEBUG": "1"}, tmp_path)
    assert (tmp_path / "development-secret-key").read_text() == secret


def test_it_rejects_a_boolean_it_cannot_read(tmp_path):
    result = load_settings({"DEBUG": "maybe"}, tmp_path)
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_it_reads_a_postgres_database_url():
    config = database_from_url("postgres://user:p%40ss@db.example.org:6543/trials?sslmode=require")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("trials", "user", "p@ss")
    assert (config["HOST"], config["PORT"]) == ("db.example.org", "6543")
    assert config["OPTIONS"] == {"sslmode": "require", "connect_timeout": "5"}


def test_it_reads_a_sqlite_database_url():
    assert database_from_url("sqlite:////tmp/x.sqlite3")["NAME"] == "/tmp/x.sqlite3"


def test_it_rejects_an_unknown_database_scheme():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        database_from_url("mysql://root@localhost/trials")
