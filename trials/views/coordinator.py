"""The study coordinator's page for one inquiry, reached by the signed link in the site's email."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from trials import coordinator
from trials.models import Inquiry


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def inquiry_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        inquiry_id = coordinator.coordinator_inquiry_id(token)
    except coordinator.LinkExpired:
        return _link_problem(request, expired=True)
    except coordinator.LinkInvalid:
        return _link_problem(request, expired=False)
    inquiry = Inquiry.objects.select_related("trial", "site").filter(pk=inquiry_id).first()
    if inquiry is None or inquiry.anonymised_at is not None:
        return _link_problem(request, expired=True)

    error = ""
    if request.method == "POST":
        status = request.POST.get("status", "")
        if status in coordinator.COORDINATOR_STATUSES:
            note = request.POST.get("note", "")[:2000]
            coordinator.inquiry_status_set(inquiry_id=inquiry.pk, status=status, note=note)
            return redirect(f"{request.path}?saved=1")
        error = _("Please choose one of the statuses below.")
    context = {
        **coordinator.coordinator_details(inquiry),
        "inquiry": inquiry,
        "statuses": [(s.value, s.label) for s in coordinator.COORDINATOR_STATUSES],
        "saved": request.GET.get("saved") == "1",
        "error": error,
    }
    return render(request, "trials/coordinator.html", context, status=400 if error else 200)


def _link_problem(request: HttpRequest, *, expired: bool) -> HttpResponse:
    # 410 for a link that was valid once, 403 for one that never was.
    return render(
        request,
        "trials/coordinator_link_problem.html",
        {"expired": expired},
        status=410 if expired else 403,
    )
