"""The eligibility pre-screen a patient may answer before contacting a site."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from trials.forms import PrescreenForm
from trials.models import Trial
from trials.prescreen import prescreen_panel, prescreen_save, session_key


@require_POST
def prescreen(request: HttpRequest, nct_id: str) -> HttpResponse:
    trial = get_object_or_404(Trial.objects.visible_to(request.user), nct_id=nct_id.upper())
    if "clear" in request.POST:
        request.session.pop(session_key(trial), None)
    else:
        form = PrescreenForm(request.POST, questions=list(trial.prescreen_questions.all()))
        # Only characters no answer may hold (NUL) make it invalid: nothing is kept.
        if form.is_valid():
            prescreen_save(session=request.session, trial=trial, answers=form.answers())
    if request.htmx:
        context = prescreen_panel(session=request.session, trial=trial)
        return render(request, "trials/includes/prescreen.html", context)
    # Without JavaScript: back to the trial page, scrolled to the answer.
    return redirect(trial.get_absolute_url() + "#prescreen")
