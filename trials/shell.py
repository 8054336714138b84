"""Pages assembled by Jinja2 from HTML already rendered.

The home page, a trial's page and the trial list are, for most visitors,
parts rendered before (the header and footer every page shares, the home
page's content, a trial's stored parts and the results' cards:
trials/pagecache.py, trials/trial_pages.py) around a few things of the
visitor's own (the CSRF token, the address asked for, the search).
Django's template engine spent more time walking the nodes around those
parts than the rest of the request took; a Jinja2 template (a faster engine
Django supports, templates/jinja2/) assembles them instead. When any part
is missing, the caller renders the page with Django's templates, which
render and keep the parts for the next visitor. The two give the same HTML
(tests/test_stored_parts.py, tests/test_views_home.py,
tests/test_views_list_shell.py).
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
from django.utils.safestring import SafeString, mark_safe
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


def list_page(request: HttpRequest, context: dict) -> HttpResponse | None:
    """The trial list around its `results_part` (templates/jinja2/trials/list.html);
    None when the header or footer is not kept."""
    context = context | {"results_part": mark_safe(context["results_part"])}
    return assemble(request, "trials/list.html", kept={}, context=context)


def results_part(context: dict) -> SafeString | None:
    """The results of a search from each trial's stored card
    (templates/jinja2/trials/results.html); None when a card is not stored,
    or the cards link to the searched place and name its nearest site: then
    Django's template renders the part and stores what it rendered."""
    results = context["results"]
    cards = []
    for trial in results.trials if results else []:
        card = trial.page_parts.stored.get("card")
        if card is None or context["place_query"] or getattr(trial, "nearest_site", None):
            return None
        # As Django's {% include %} of the card gives it: with its last line's end.
        cards.append(mark_safe(card + "\n"))
    language = translation.get_language() or settings.LANGUAGE_CODE
    context = context | {
        "cards": cards,
        "notify_address": _addresses(language, get_script_prefix())["notify_signup"],
    }
    return mark_safe(engines["jinja2"].get_template("trials/results.html").render(context))


@lru_cache(maxsize=8)
def _addresses(language: str, prefix: str) -> dict[str, str]:
    """The fixed addresses of a page in a language, once per process: static
    files are named by their content's hash (manifest storage)."""
    files = (
        "img/favicon.svg",
        "vendor/bootstrap/bootstrap.min.css",
        "css/site.css",
        "vendor/htmx/htmx.min.js",
        "js/places.js",
    )
    pages = {
        "set_language": reverse("set_language"),
        "list": reverse("trials:list"),
        "place_suggest": reverse("trials:place_suggest"),
        "notify_signup": reverse("trials:notify_signup"),
    }
    return pages | {name: static(name) for name in files}
