"""What masking patients' contact details costs the admin pages.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/admin_masking_bench.py [--inquiries 300] [--repeat 15]

Creates a test database (`test_<name>`, dropped at the end) with --inquiries
inquiries and their two emails each, then renders the inquiry list (100 rows
a page), the outgoing email list (100 rows) and one inquiry's page through
Django's test client, as staff with "Can see patients' contact details" and
as staff without it (every cell masked or redacted), alternating, in the
same run. Prints the median milliseconds of each and the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialfinder.settings_test")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Permission, User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from tests.factories import InquiryFactory, SiteFactory  # noqa: E402
from trials.emails import inquiry_emails_create  # noqa: E402


def staff_client(name: str, *, contacts: bool) -> Client:
    user = User.objects.create_user(name, f"{name}@example.org", "pw", is_staff=True)
    permissions = Permission.objects.filter(content_type__app_label="trials")
    if not contacts:
        permissions = permissions.exclude(codename="view_contact_details")
    user.user_permissions.add(*permissions)
    client = Client()
    client.force_login(user)
    return client


def timed(client: Client, url: str) -> float:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inquiries", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        site = SiteFactory()
        for n in range(args.inquiries):
            inquiry = InquiryFactory(
                site=site,
                first_name=f"Patient{n}",
                last_name="Example",
                email=f"patient{n}@example.com",
            )
            inquiry_emails_create(inquiry=inquiry)
        pages = {
            "inquiry list (100 rows)": reverse("admin:trials_inquiry_changelist"),
            "outgoing email list (100 rows)": reverse("admin:trials_outgoingemail_changelist"),
            "one inquiry": reverse("admin:trials_inquiry_change", args=[inquiry.pk]),
        }
        full = staff_client("full", contacts=True)
        masked = staff_client("masked", contacts=False)
        print(f"{args.inquiries} inquiries, median of {args.repeat} renders, ms")
        print("| page | with the permission | without (masked) | ratio |")
        print("| --- | ---: | ---: | ---: |")
        for label, url in pages.items():
            timed(full, url), timed(masked, url)  # warm-up
            runs: dict[str, list[float]] = {"full": [], "masked": []}
            for _ in range(args.repeat):
                runs["full"].append(timed(full, url))
                runs["masked"].append(timed(masked, url))
            a, b = statistics.median(runs["full"]), statistics.median(runs["masked"])
            print(f"| {label} | {a:.1f} | {b:.1f} | {b / a:.2f} |")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
