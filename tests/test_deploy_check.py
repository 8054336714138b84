"""The production settings the README gives pass Django's deployment checklist."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_production_settings() -> dict[str, str]:
    """The NAME=value lines of the README's production block."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- production settings -->")[1].split("<!-- end of")[0]
    pairs = re.findall(r"^ {4}([A-Z_]+)=(\S*)$", block, re.M)
    assert pairs, "the README lists no production settings"
    return dict(pairs)


def test_check_deploy_finds_nothing_with_the_readme_production_settings(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECURE_", "DJANGO_")) and key not in {"DEBUG", "SECRET_KEY"}
    }
    env.update(readme_production_settings())
    # The README shows a placeholder where the operator puts their own secret.
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="trialfinder.settings",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_readme_configuration_table_names_every_setting_read_from_the_environment():
    settings_source = (ROOT / "trialfinder" / "settings.py").read_text()
    names = set(
        re.findall(
            r'(?:envint|envbool|envlist|os\.getenv|os\.environ\.get)\(\s*"([A-Z_]+)"',
            settings_source,
        )
    )
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration")[1].split("\n## ")[0]
    assert sorted(name for name in names if f"`{name}`" not in table) == []
