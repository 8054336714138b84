import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import translate_url
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language_from_path, get_supported_language_variant
from django.utils.translation import gettext_lazy as _
from django.utils.translation.trans_real import parse_accept_lang_header

# Every asset is our own: no inline scripts or styles, no other hosts.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


# Powerful browser features no page of ours uses stay off, also for anything
# embedded; geolocation only for our own "use my location" buttons.
PERMISSIONS_POLICY = ", ".join(
    [
        "accelerometer=()",
        "camera=()",
        "geolocation=(self)",
        "gyroscope=()",
        "magnetometer=()",
        "microphone=()",
        "payment=()",
        "usb=()",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        # The admin ships inline scripts of its own; it is for staff only.
        if not _without_language(request.path).startswith(_admin_prefix()):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


class PrivateTokenPagesMiddleware:
    """A page that carries this visitor's CSRF token is theirs alone:
    `Cache-Control: private`, so no shared cache (a proxy, a CDN) keeps it
    for the next visitor. A view's own Cache-Control is left as it is."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") and "Cache-Control" not in response:
            patch_cache_control(response, private=True)
        return response


def _without_language(path: str) -> str:
    """/zh-hans/admin/ -> /admin/: the admin lives under every language's prefix."""
    language = get_language_from_path(path)
    return path[len(language) + 1 :] if language else path


def _admin_prefix() -> str:
    return "/" + settings.ADMIN_URL


# PostgreSQL cannot store or compare text holding NUL (psycopg raises before
# the query is sent), and no address we make or a browser sends holds any
# other control character. Tab and line breaks may come from text pasted into
# a search box, which forms handle.
_CONTROL_IN_PATH = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_QUERY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
UNREADABLE_ADDRESS = _("The address holds characters we cannot read. Please reload the page.")


class BadInputMiddleware:
    """A 400 page for a control character in the path or query string, and
    cookies holding one forgotten, before any view or the session reads them.

    One place instead of every view: each lookup by a path token or a query
    parameter would otherwise raise on NUL with PostgreSQL and answer 500.
    The page comes from process_view, so it passes back through the other
    middleware (language, security headers) like any page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name in [n for n, v in request.COOKIES.items() if _CONTROL_IN_PATH.search(n + v)]:
            del request.COOKIES[name]
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        if _CONTROL_IN_PATH.search(request.path) or any(
            _CONTROL_IN_QUERY.search(text)
            for name, values in request.GET.lists()
            for text in (name, *values)
        ):
            # notes.js and places.js ask for JSON and show its message.
            if request.accepts("application/json") and not request.accepts("text/html"):
                return JsonResponse({"error": str(UNREADABLE_ADDRESS)}, status=400)
            return render(request, "400.html", status=400)
        return None


class FirstVisitLanguageMiddleware:
    """A first visit follows the browser's languages.

    English keeps the unprefixed addresses, so LocaleMiddleware serves them in
    English whatever the browser asks for. A visitor who has never chosen a
    language (no language cookie) and whose browser prefers another of ours
    is sent to the same page under that language's prefix. Once they choose
    with the switcher, the cookie wins, English included: a plain address
    asked with a cookie naming Chinese goes to the Chinese page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        redirect = self._redirect(request)
        if redirect is not None:
            return redirect
        response = self.get_response(request)
        if request.method in ("GET", "HEAD") and not get_language_from_path(request.path_info):
            patch_vary_headers(response, ["Accept-Language", "Cookie"])
        return response

    def _redirect(self, request: HttpRequest) -> HttpResponse | None:
        if request.method not in ("GET", "HEAD"):
            return None
        if get_language_from_path(request.path_info):
            return None
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen is not None:
            # An explicit choice wins over the browser, whichever it names:
            # English stays on the plain address, another language goes to
            # its prefix. A cookie naming no language of ours is no choice.
            languages = {code for code, _name in settings.LANGUAGES}
            preferred = chosen if chosen in languages else settings.LANGUAGE_CODE
        else:
            preferred = _browser_language(request.headers.get("Accept-Language", ""))
        if preferred in (None, settings.LANGUAGE_CODE):
            return None
        target = translate_url(request.get_full_path(), preferred)
        if target == request.get_full_path():
            return None  # not a page that exists per language (healthz, static files)
        response = HttpResponseRedirect(target)
        patch_vary_headers(response, ["Accept-Language", "Cookie"])
        return response


def _browser_language(header: str) -> str | None:
    """Our language the browser likes best, or None when it names none of ours.

    The header's order decides: "en-GB,zh-CN;q=0.8" stays in English.
    """
    for code, _quality in parse_accept_lang_header(header[:500]):
        if code == "*":
            return None
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return None
