"""The Chinese catalogue is complete: every message in the code has a
translation, none fuzzy. makemessages runs on a copy of the project, so the
test never rewrites the catalogue it checks."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import service_missing

LOCALES = ["zh_Hans"]
COPIED = ["manage.py", "pyproject.toml", "trialfinder", "trials", "templates", "static", "locale"]
IGNORED = ["static/vendor", "static/img"]


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory) -> Path:
    """The catalogues after makemessages over a copy of the code."""
    for tool in ("xgettext", "msgmerge", "msgfmt"):
        if shutil.which(tool) is None:
            service_missing(f"needs {tool}: apt-get install gettext")
    root = tmp_path_factory.mktemp("project")
    base = Path(settings.BASE_DIR)
    for name in COPIED:
        source = base / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, root / name)
    env = {**os.environ, "DEBUG": "1", "VAR_DIR": str(root / "var")}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    for domain in ("django", "djangojs"):
        command = [sys.executable, "manage.py", "makemessages", "-d", domain, "--no-obsolete"]
        command += [f"--locale={locale}" for locale in LOCALES]
        command += [f"--ignore={path}" for path in IGNORED + ["var"]]
        subprocess.run(command, cwd=root, env=env, check=True, capture_output=True, timeout=300)
    return root / "locale"


def _statistics(po: Path) -> dict[str, int]:
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(po)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    counts = {"translated": 0, "fuzzy": 0, "untranslated": 0}
    for number, kind in re.findall(r"(\d+) (translated|fuzzy|untranslated)", result.stderr):
        counts[kind] = int(number)
    return counts


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_message_has_a_translation(fresh_catalogues, locale, domain):
    po = fresh_catalogues / locale / "LC_MESSAGES" / f"{domain}.po"
    counts = _statistics(po)
    assert counts["translated"] > 0
    assert counts["fuzzy"] == 0 and counts["untranslated"] == 0, (
        f"{po.name} for {locale}: {counts}. Run `make translations` (README: Languages) "
        "and translate what is new."
    )


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_committed_catalogue_is_up_to_date(fresh_catalogues, locale, domain):
    """Every message of the code is in the committed catalogue too, so the
    compiled catalogue the site serves is the complete one."""
    committed = Path(settings.BASE_DIR) / "locale" / locale / "LC_MESSAGES" / f"{domain}.po"
    fresh = fresh_catalogues / locale / "LC_MESSAGES" / f"{domain}.po"
    assert _msgids(fresh) <= _msgids(committed)


def _msgids(po: Path) -> set[tuple[str, str]]:
    """(context, message) of every live entry, line wrapping undone."""
    ids = set()
    for entry in re.split(r"\n\s*\n", po.read_text(encoding="utf-8")):
        fields: dict[str, str] = {}
        current = None
        for line in entry.splitlines():
            keyword = re.match(r"(msgctxt|msgid|msgid_plural|msgstr\S*) ", line)
            if keyword:
                current = keyword.group(1)
                fields[current] = ""
                line = line[len(current) + 1 :]
            if current and line.startswith('"'):
                fields[current] += line[1:-1]
        if fields.get("msgid"):
            ids.add((fields.get("msgctxt", ""), fields["msgid"]))
    return ids
