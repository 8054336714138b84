"""The public pages: home, a trial, the FAQ and the privacy notice."""

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_safe

from trials.models import FaqEntry, Trial
from trials.models.trials import sees_unpublished
from trials.pagecache import fixed_query_rows, page_kept, trials_key
from trials.shell import assemble
from trials.trial_pages import NOT_SHOWN, page_trial, render_trial_page

# The home page shows the most recently updated recruiting trials; the list
# page ("See all trials") has the rest. Tens of thousands recruit at once.
HOME_TRIALS = 6


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    shown = fixed_query_rows(
        "home", lambda: _newest_recruiting().values_list("pk", "updated_at")[:HOME_TRIALS]
    )

    # The page's content (nothing in it is a visitor's own) is rendered again
    # only when other trials are shown or one changed.
    def trials() -> list[Trial]:
        newest = _newest_recruiting().filter(pk__in=[pk for pk, _ in shown])
        return list(newest.with_card_data().defer(*NOT_SHOWN))

    content_key = trials_key("home", shown)
    # Assembled from the kept content, header and footer (trials/shell.py);
    # rendered by Django's templates when one of them is not kept yet.
    page = assemble(request, "trials/home.html", kept={"content": page_kept(content_key)})
    if page is not None:
        return page
    # The trials are read only when the content is rendered again.
    context = {"trials": SimpleLazyObject(trials), "content_key": content_key}
    return render(request, "trials/home.html", context)


def _newest_recruiting() -> QuerySet:
    return Trial.objects.published().recruiting().order_by("-last_updated", "nct_id")


@require_safe
def trial_detail(request: HttpRequest, nct_id: str, slug: str = "") -> HttpResponse:
    # The trial and its page's stored parts in one query (trials/trial_pages.py).
    # Staff see unpublished trials too: who is asking (the session, a query) is
    # read only for an unpublished trial.
    trial = page_trial(nct_id.upper())
    if trial is None or not (trial.published or sees_unpublished(request.user)):
        raise Http404
    # One address per trial: lowercase NCT numbers and slugged links all land here.
    canonical = trial.get_absolute_url()
    if request.path != canonical:
        query = request.META.get("QUERY_STRING", "")
        return redirect(f"{canonical}?{query}" if query else canonical, permanent=True)
    if trial.stored_parts is None:
        # Nothing stored for this state of the trial: every part reads the row.
        trial = Trial.objects.defer(*NOT_SHOWN).get(pk=trial.pk)
    return render_trial_page(request, trial)


@require_safe
def faq(request: HttpRequest) -> HttpResponse:
    context = {"faq_entries": FaqEntry.objects.published().for_every_trial()}
    return render(request, "trials/faq.html", context)


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    context = {
        "contact_email": settings.CONTACT_EMAIL,
        "retention_days": settings.INQUIRY_RETENTION_DAYS,
    }
    return render(request, "trials/privacy.html", context)
