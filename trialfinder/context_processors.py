from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils.translation import get_language, get_language_info, override


def site(request: HttpRequest) -> dict:
    return {"SITE_NAME": settings.SITE_NAME}


@dataclass(frozen=True)
class Alternate:
    """One of the site's languages, as the language switcher offers it."""

    code: str
    name_local: str
    current: bool

    @property
    def html_lang(self) -> str:
        # BCP 47 for lang= and hreflang=: "zh-Hans", not Django's "zh-hans".
        return to_html_lang(self.code)


def to_html_lang(code: str) -> str:
    language, _, script = code.partition("-")
    return f"{language}-{script.title()}" if len(script) == 4 else code


def language_paths(request: HttpRequest) -> dict[str, str]:
    """This page's path (no query string) in each of the site's languages.

    Reversed from the match the request was served by, once per request (the
    switcher and the hreflang links both ask): what translate_url does, without
    resolving the path again for every language. A path that names no URL
    pattern stays as it is.
    """
    paths = getattr(request, "_language_paths", None)
    if paths is None:
        match = getattr(request, "resolver_match", None)
        name = match and match.url_name and (match.view_name if match.namespace else match.url_name)
        paths = {}
        for code, _name in settings.LANGUAGES:
            if not name:
                paths[code] = translate_url(request.path, code)
                continue
            with override(code):
                try:
                    paths[code] = reverse(name, args=match.args, kwargs=match.kwargs)
                except NoReverseMatch:
                    paths[code] = request.path
        request._language_paths = paths
    return paths


def languages(request: HttpRequest) -> dict:
    """The language switcher's choices (the page it returns to is the language
    form's `next`, templates/base.html) and the page's language."""
    current = get_language()
    alternates = [
        Alternate(
            code=code, name_local=get_language_info(code)["name_local"], current=code == current
        )
        for code, _name in settings.LANGUAGES
    ]
    return {
        "language_alternates": alternates,
        "html_lang": to_html_lang(current or settings.LANGUAGE_CODE),
    }
