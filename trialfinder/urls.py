from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from trialfinder.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
]

# English keeps the unprefixed addresses every link and bookmark already uses;
# other languages live under their prefix (/zh-hans/trials/...).
urlpatterns += i18n_patterns(
    # Django's set_language: the switcher posts here and lands on the same page
    # (and the same query) in the other language, remembered in a cookie. Under
    # the page's own prefix, so that the page's address resolves when translated.
    path("i18n/", include("django.conf.urls.i18n")),
    path(settings.ADMIN_URL, admin.site.urls),
    # The strings our scripts show, in the page's language, from our own URL.
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["trials"]), name="javascript-catalog"),
    path("", include("trials.urls")),
    prefix_default_language=False,
)
