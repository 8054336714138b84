from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from trialfinder.health import healthz, healthz_all, livez
from trialfinder.observability import metrics
from trials.views import seo

urlpatterns = [
    path("livez", livez, name="livez"),
    path("healthz", healthz, name="healthz"),
    path("healthz/all", healthz_all, name="healthz_all"),
    path("metrics", metrics, name="metrics"),
    # Outside any language prefix: one robots.txt and one sitemap for the site.
    path("robots.txt", seo.robots_txt, name="robots_txt"),
    path("sitemap.xml", seo.sitemap_index, name="sitemap"),
    path("sitemap-pages.xml", seo.sitemap_pages_view, name="sitemap_pages"),
    path("sitemap-trials-<int:number>.xml", seo.sitemap_trials_view, name="sitemap_trials"),
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
