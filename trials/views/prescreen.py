"""The eligibility pre-screen a patient may answer before contacting a site."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from trials.forms import PrescreenForm
from trials.models import Trial
from trials.prescreen import answered_cookie_set, prescreen_panel, prescreen_save, session_key


@require_POST
def prescreen(request: HttpRequest, nct_id: str) -> HttpResponse:
    trial = get_object_or_404(Trial.objects.visible_to(request.user), nct_id=nct_id.upper())
    saved = False
    if "clear" in request.POST:
        request.session.pop(session_key(trial), None)
    else:
        form = PrescreenForm(request.POST, questions=list(trial.prescreen_questions.all()))
        # Only characters no answer may hold (NUL) make it invalid: nothing is kept.
        if form.is_valid():
            prescreen_save(session=request.session, trial=trial, answers=form.answers())
            saved = True
    if request.htmx:
        context = prescreen_panel(session=request.session, trial=trial)
        response = render(request, "trials/includes/prescreen.html", context)
    else:
        # Without JavaScript: back to the trial page, scrolled to the answer.
        response = redirect(trial.get_absolute_url() + "#prescreen")
    if saved:
        answered_cookie_set(response)
    return response
