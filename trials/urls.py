from django.urls import path, register_converter

from trials.views import contact, coordinator, notes, notifications, pages, prescreen, search


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
    path("notifications/", notifications.signup, name="notify_signup"),
    path("notifications/sent/", notifications.sent, name="notify_sent"),
    path("notifications/confirm/<str:token>/", notifications.confirm, name="notify_confirm"),
    path("notifications/manage/<str:token>/", notifications.manage, name="notify_manage"),
    path(
        "notifications/unsubscribe/<str:token>/",
        notifications.unsubscribe,
        name="notify_unsubscribe",
    ),
    path(
        "notifications/unsubscribe/<str:token>/one-click/",
        notifications.unsubscribe_one_click,
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

urlpatterns += [
    path("trials/<nct:nct_id>/contact/", contact.contact, name="contact"),
    path("trials/<nct:nct_id>/contact/sent/", contact.contact_sent, name="contact_sent"),
    path("trials/<nct:nct_id>/contact/print/", contact.contact_print, name="contact_print"),
    path("places/suggest/", contact.place_suggest, name="place_suggest"),
]

# Keep this last: "/trials/<NCT>/<slug>/" would otherwise swallow the trial's
# own sub-pages ("/trials/<NCT>/contact/" and the like) defined above it.
urlpatterns.append(path("trials/<nct:nct_id>/<slug:slug>/", pages.trial_detail, name="detail_slug"))
