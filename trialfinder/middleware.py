import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

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
        if not request.path.startswith(_admin_prefix()):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


def _admin_prefix() -> str:
    from django.conf import settings

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
