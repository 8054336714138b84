from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from trialfinder.health import healthz

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("", include("trials.urls")),
]
