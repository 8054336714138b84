from django.urls import path, register_converter

from trials.views import (
    contact,
    coordinator,
    inbox,
    notes,
    pages,
    prescreen,
    search,
    subscriptions,
    team,
)


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

urlpatterns += [
    path("notifications/", subscriptions.signup, name="notify_signup"),
    path("notifications/sent/", subscriptions.sent, name="notify_sent"),
    path("notifications/confirm/<str:token>/", subscriptions.confirm, name="notify_confirm"),
    path("notifications/manage/<str:token>/", subscriptions.manage, name="notify_manage"),
    path(
        "notifications/unsubscribe/<str:token>/",
        subscriptions.unsubscribe,
        name="notify_unsubscribe",
    ),
    path(
        "notifications/unsubscribe/<str:token>/one-click/",
        subscriptions.unsubscribe_one_click,
        name="notify_unsubscribe_one_click",
    ),
]

urlpatterns += [
    path("trials/<nct:nct_id>/prescreen/", prescreen.prescreen, name="prescreen"),
    path("trials/<nct:nct_id>/notes/", notes.note_list, name="notes"),
    path("trials/<nct:nct_id>/notes/<int:pk>/", notes.note_detail, name="note"),
    path("trials/<nct:nct_id>/notes/share/", notes.share_create, name="notes_share"),
    path(
        "trials/<nct:nct_id>/notes/share/<int:pk>/revoke/",
        notes.share_revoke,
        name="notes_share_revoke",
    ),
    path("shared/<str:token>/", notes.shared, name="shared_notes"),
]

urlpatterns.append(path("inquiry/<str:token>/", coordinator.inquiry_page, name="coordinator"))

# The study-team side. tests/test_teams_isolation.py walks every "team_" URL
# as another site's member: a new one is either listed there as public or
# answers 404 for a site the account does not hold.
urlpatterns += [
    path("team/", inbox.inbox, name="team_inbox"),
    path("team/inquiries/<int:pk>/", inbox.inquiry, name="team_inquiry"),
    path("team/export.csv", inbox.export, name="team_export"),
    path("team/sites/<int:site_id>/settings/", inbox.site_settings, name="team_settings"),
    path("team/sign-in/", team.sign_in, name="team_sign_in"),
    path("team/sign-in/sent/", team.sign_in_sent, name="team_sign_in_sent"),
    path("team/sign-out/", team.sign_out, name="team_sign_out"),
    path("team/link/<str:token>/", team.link, name="team_link"),
    path("team/claim/<int:site_id>/", team.claim, name="team_claim"),
    path("team/claim/<int:site_id>/sent/", team.claim_sent, name="team_claim_sent"),
]

urlpatterns += [
    path("trials/<nct:nct_id>/contact/", contact.contact, name="contact"),
    path("trials/<nct:nct_id>/contact/sent/", contact.contact_sent, name="contact_sent"),
    path("trials/<nct:nct_id>/contact/print/", contact.contact_print, name="contact_print"),
    path("places/suggest/", contact.place_suggest, name="place_suggest"),
]

# Keep this last: "/trials/<NCT>/<slug>/" would otherwise swallow the trial's
# own sub-pages ("/trials/<NCT>/contact/" and the like) defined above it.
urlpatterns.append(path("trials/<nct:nct_id>/<slug:slug>/", pages.trial_detail, name="detail_slug"))
