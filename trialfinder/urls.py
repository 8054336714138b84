from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from trialfinder.health import healthz
from trials.views import seo

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("healthz", healthz, name="healthz"),
    # Outside any language prefix: one robots.txt and one sitemap for the site.
    path("robots.txt", seo.robots_txt, name="robots_txt"),
    path("sitemap.xml", seo.sitemap_index, name="sitemap"),
    path("sitemap-pages.xml", seo.sitemap_pages_view, name="sitemap_pages"),
    path("sitemap-trials-<int:number>.xml", seo.sitemap_trials_view, name="sitemap_trials"),
    path("", include("trials.urls")),
]
