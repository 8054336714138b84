from django.urls import path, register_converter

from trials.views import pages, search


class NctConverter:
    """An NCT number in any letter case; the trial page redirects to upper case."""

    regex = "[Nn][Cc][Tt][0-9]{8}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(NctConverter, "nct")

app_name = "trials"

urlpatterns: list = [
    path("", pages.home, name="home"),
    path("trials/", search.trial_list, name="list"),
    path("trials/<nct:nct_id>/", pages.trial_detail, name="detail"),
    path("faq/", pages.faq, name="faq"),
    path("privacy/", pages.privacy, name="privacy"),
]

# Keep this last: "/trials/<NCT>/<slug>/" would otherwise swallow the trial's
# own sub-pages ("/trials/<NCT>/contact/" and the like) defined above it.
urlpatterns.append(path("trials/<nct:nct_id>/<slug:slug>/", pages.trial_detail, name="detail_slug"))
