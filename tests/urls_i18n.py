"""The site's URLs behind language prefixes (i18n_patterns), for tests/test_seo.py."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

urlpatterns = i18n_patterns(path("", include("trials.urls")))
