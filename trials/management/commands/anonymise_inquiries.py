"""Blank the contact details of inquiries older than the retention period."""

from django.conf import settings
from django.core.management.base import BaseCommand

from trials.anonymise import inquiries_anonymise


class Command(BaseCommand):
    help = (
        "Anonymise inquiries older than INQUIRY_RETENTION_DAYS (or --days): blank names, "
        "email, phone, message and location, and the bodies of their emails. Counts, "
        "statuses and timestamps are kept for the statistics."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="override the retention days")

    def handle(self, *args, days=None, **options):
        days = settings.INQUIRY_RETENTION_DAYS if days is None else days
        if days < 0:
            self.stderr.write("--days must be 0 or more")
            return
        count = inquiries_anonymise(older_than_days=days)
        self.stdout.write(f"Anonymised {count} inquiries older than {days} days.")
