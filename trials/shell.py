"""Pages assembled by Jinja2 from HTML already rendered.

The home page and a trial's page are, for most visitors, parts rendered
before (the header and footer every page shares, the home page's content,
a trial's stored parts: trials/pagecache.py, trials/trial_pages.py) around
a few things of the visitor's own (the CSRF token, the address asked for).
Django's template engine spent more time walking the nodes around those
parts than the rest of the request took; a Jinja2 template (a faster engine
Django supports, templates/jinja2/) assembles them instead. When any part
is missing, the caller renders the page with Django's templates, which
render and keep the parts for the next visitor. The two give the same HTML
(tests/test_stored_parts.py, tests/test_views_home.py).
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template import engines
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import to_locale

from trialfinder.context_processors import to_html_lang
from trials import seo
from trials.pagecache import page_kept, site_key

# Every page's own parts (templates/base.html's sitefragments).
SITE_PARTS = ("header", "footer")


def assemble(
    request: HttpRequest,
    template: str,
    *,
    kept: dict[str, str | None],
    site_parts: tuple[str, ...] = (),
    context: dict | None = None,
) -> HttpResponse | None:
    """The page the Jinja2 `template` assembles from the `kept` HTML, the
    header and footer and the `site_parts` every page of this kind shares;
    None when any of them is not rendered yet."""
    site_name = settings.SITE_NAME
    kept = kept | {
        name: page_kept(site_key(name, request.path, site_name))
        for name in (*SITE_PARTS, *site_parts)
    }
    if None in kept.values():
        return None
    language = translation.get_language() or settings.LANGUAGE_CODE
    context = (context or {}) | {
        "kept": {name: mark_safe(html) for name, html in kept.items()},
        "request": request,
        # One token for all the page's forms, as Django's context processor
        # gives (the Jinja2 backend's own would mask it again for each form).
        "csrf_token": get_token(request),
        "site_name": site_name,
        "html_lang": to_html_lang(language),
        "og_locale": to_locale(language),
        "canonical": seo.canonical_url(request),
        "alternates": seo.page_alternates(request),
        "addresses": _addresses(language, get_script_prefix()),
    }
    return HttpResponse(engines["jinja2"].get_template(template).render(context))


@lru_cache(maxsize=8)
def _addresses(language: str, prefix: str) -> dict[str, str]:
    """The fixed addresses of a page in a language, once per process: static
    files are named by their content's hash (manifest storage)."""
    files = ("img/favicon.svg", "vendor/bootstrap/bootstrap.min.css", "css/site.css")
    return {"set_language": reverse("set_language")} | {name: static(name) for name in files}
