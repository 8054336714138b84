"""Parts of the trial page rendered once per trial update and language.

What changes only when the trial changes (the registry's text, the blank
contact form, the pre-screen questions before a patient answers, the
notification offer) is kept rendered in the "pages" cache (each process's own
memory, see settings), keyed by the trial's id, its update time and the
language. An import or an admin edit changes the update time, so the next
request renders afresh, in every process.

Nothing that belongs to one visitor is cached. The page is rendered with a
placeholder wherever a form's CSRF token goes, and `render_trial_page` puts
the visitor's own token in afterwards; the placeholder is also part of every
cache key of a fragment with a form, so a page rendered without
`render_trial_page` (a real token in its context) never reads or fills those
entries.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.core.cache import cache, caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils import translation

from trials.models import Trial

# Random per process, like the cache it goes into: it cannot appear in a
# trial's text by chance.
CSRF_PLACEHOLDER = f"csrf-placeholder-{secrets.token_hex(16)}"
TIMEOUT = 24 * 3600


def trial_fragment_key(trial: Trial, part: str) -> str:
    language = translation.get_language() or ""
    return f"trial:{part}:{trial.pk}:{trial.updated_at.isoformat()}:{language}"


def trial_fragment(trial: Trial, part: str, render_fragment) -> str:
    """The cached HTML of one part of a trial's page, rendered on a miss."""
    return page_fragment(trial_fragment_key(trial, part), render_fragment)


def page_fragment(key: str, render_fragment) -> str:
    """The cached HTML under `key`, rendered on a miss. The key must name
    everything the HTML shows: the trials and their update times."""
    pages = caches["pages"]
    html = pages.get(key)
    if html is None:
        html = render_fragment()
        pages.set(key, html, TIMEOUT)
    return html


def trials_key(part: str, trials: list[tuple[int, datetime.datetime]]) -> str:
    """A key for a part showing these (id, update time) trials, in this order."""
    shown = ",".join(f"{pk}@{updated_at.timestamp()}" for pk, updated_at in trials)
    return f"{part}:{translation.get_language() or ''}:{shown}"


# The FAQ under every trial is the same for all trials: kept in the shared
# cache (Redis in production) so that staff's edits in the admin clear it for
# every process at once (faq_forget). Edits made elsewhere (a data migration,
# the shell) show within FAQ_TIMEOUT.
FAQ_TIMEOUT = 600


def _faq_key(language: str) -> str:
    return f"faq-html:{language}"


def faq_fragment(render_fragment) -> str:
    """The rendered FAQ in the current language, rendered on a miss."""
    key = _faq_key(translation.get_language() or "")
    html = cache.get(key)
    if html is None:
        html = render_fragment()
        cache.set(key, html, FAQ_TIMEOUT)
    return html


def faq_forget() -> None:
    cache.delete_many([_faq_key(code) for code, _name in settings.LANGUAGES])


def render_trial_page(
    request: HttpRequest, template_name: str, context: dict, *, status: int = 200
) -> HttpResponse:
    """Render with the CSRF placeholder, then put this visitor's token in."""
    response = render(
        request, template_name, {**context, "csrf_token": CSRF_PLACEHOLDER}, status=status
    )
    response.content = response.content.replace(
        CSRF_PLACEHOLDER.encode(), get_token(request).encode()
    )
    return response
