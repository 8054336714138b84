"""The embedded default (`make run`: SQLite, tasks in-process, console email)
takes a form post end to end and prints both emails."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import django
django.setup()
from django.core.management import call_command
from django.test import Client
from tests.factories import SiteFactory
call_command("migrate", verbosity=0)
site = SiteFactory(contact_email="coordinator@hospital.example", is_primary_contact=True,
                   facility="Zhejiang Cancer Hospital")
response = Client(SERVER_NAME="localhost").post(
    f"/trials/{site.trial.nct_id}/contact/",
    {"first_name": "Mei", "last_name": "Lin", "email": "mei.lin@example.com",
     "phone": "+86 138 0013 8000", "message": "Hello from the embedded default",
     "consent": "on", "health_consent": "on"},
    follow=True,
)
print("STATUS", response.status_code, site.trial.nct_id)
print("CONFIRMED", b"A copy of the message has been sent" in response.content)
from trials.models import OutgoingEmail
print("ROWS", sorted(OutgoingEmail.objects.values_list("status", flat=True)))
"""


def test_it_prints_both_emails_on_the_console(tmp_path):
    skip = ("DATABASE_URL", "REDIS_URL", "EMAIL_", "CELERY_", "SECRET_KEY", "DJANGO_", "PYTEST")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    env.update(DEBUG="1", VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="trialfinder.settings")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr[-3000:]
    assert "STATUS 200" in out and "CONFIRMED True" in out
    assert "ROWS ['sent', 'sent']" in out
    assert "To: coordinator@hospital.example" in out
    assert "Reply-To: mei.lin@example.com" in out
    assert "To: mei.lin@example.com" in out
    assert "Subject: New patient inquiry for NCT" in out
    assert "Subject: Your message about trial NCT" in out
    assert out.count("Content-Type: text/html") == 2
    assert out.count("Hello from the embedded default") >= 4  # text and HTML of both
