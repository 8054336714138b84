"""Which files the wheel carries (the rest of the metadata is in pyproject.toml).

Every package under trialfinder/ and trials/ (models, views, migrations,
templatetags, ...), and the top-level templates/, static/, data/ and locale/
folders as package data inside trialfinder/: the layout of the checkout stays
as it is, and settings.py finds them there when the site runs from a wheel.
"""

from pathlib import Path

from setuptools import find_namespace_packages, find_packages, setup

ROOT = Path(__file__).resolve().parent
FOLDERS = [name for name in ("templates", "static", "data", "locale") if (ROOT / name).is_dir()]

packages = find_packages(include=["trialfinder", "trials", "trials.*"])
for name in FOLDERS:
    # Subfolders are listed too: setuptools warns about any folder it could
    # import but was not told about.
    packages += [f"trialfinder.{name}"]
    packages += [f"trialfinder.{name}.{sub}" for sub in find_namespace_packages(ROOT / name)]

# The search's SQL files (trials/sql/), which migrations read.
packages += ["trials.sql.functions", "trials.sql.triggers"]

setup(
    packages=packages,
    package_dir={f"trialfinder.{name}": name for name in FOLDERS},
    package_data={
        **{f"trialfinder.{name}": ["**/*"] for name in FOLDERS},
        "trials.sql": ["README.md"],
        "trials.sql.functions": ["*.sql"],
        "trials.sql.triggers": ["*.sql"],
    },
)
