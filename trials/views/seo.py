"""robots.txt and the sitemap: what search engines crawl."""

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from trials.seo import page_url, sitemap_pages, sitemap_trials, sitemap_xml

# Crawlers may fetch these often; an hour of staleness costs nothing.
CRAWLER_CACHE_SECONDS = 3600
# Pages with a person's details or a one-off token, and the place suggestions:
# nothing for an index. (Result pages are crawlable and say noindex themselves;
# the confirmation page needs the session of the patient who wrote, so a crawler
# only ever sees a redirect to the contact form.)
PRIVATE_PATHS = ("/inquiry/", "/shared/", "/notifications/", "/places/")


def _xml(text: str) -> HttpResponse:
    response = HttpResponse(text, content_type="application/xml; charset=utf-8")
    patch_cache_control(response, public=True, max_age=CRAWLER_CACHE_SECONDS)
    return response


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *", *[f"Disallow: {path}" for path in PRIVATE_PATHS]]
    lines += ["", f"Sitemap: {page_url(reverse('sitemap'))}", ""]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    patch_cache_control(response, public=True, max_age=CRAWLER_CACHE_SECONDS)
    return response


@require_safe
def sitemap_index(request: HttpRequest) -> HttpResponse:
    entries = [(page_url(reverse("sitemap_pages")), None)]
    entries += [
        (page_url(reverse("sitemap_trials", args=[page.number])), page.lastmod)
        for page in sitemap_pages()
    ]
    return _xml(sitemap_xml(entries, kind="sitemap"))


@require_safe
def sitemap_pages_view(request: HttpRequest) -> HttpResponse:
    names = ("trials:home", "trials:list", "trials:faq", "trials:privacy")
    return _xml(sitemap_xml([(page_url(reverse(name)), None) for name in names], kind="url"))


@require_safe
def sitemap_trials_view(request: HttpRequest, number: int) -> HttpResponse:
    entries = sitemap_trials(number)
    if not entries:
        raise Http404("No published trial in this sitemap page.")
    return _xml(sitemap_xml(entries, kind="url"))
