from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language, get_language_info


def site(request: HttpRequest) -> dict:
    return {"SITE_NAME": settings.SITE_NAME}


@dataclass(frozen=True)
class Alternate:
    """This page in one of the site's languages."""

    code: str
    name_local: str
    path: str
    current: bool

    @property
    def html_lang(self) -> str:
        # BCP 47 for lang= and hreflang=: "zh-Hans", not Django's "zh-hans".
        return to_html_lang(self.code)

    @property
    def url(self) -> str:
        """The full address, from SITE_URL rather than the request's Host header."""
        return settings.SITE_URL + self.path


def to_html_lang(code: str) -> str:
    language, _, script = code.partition("-")
    return f"{language}-{script.title()}" if len(script) == 4 else code


def languages(request: HttpRequest) -> dict:
    """The language switcher and the hreflang links: this page in every language.

    translate_url keeps the query string, so a search stays the same search.
    """
    current = get_language()
    full_path = request.get_full_path()
    alternates = [
        Alternate(
            code=code,
            name_local=get_language_info(code)["name_local"],
            path=translate_url(full_path, code),
            current=code == current,
        )
        for code, _name in settings.LANGUAGES
    ]
    return {
        "language_alternates": alternates,
        "html_lang": to_html_lang(current or settings.LANGUAGE_CODE),
    }
