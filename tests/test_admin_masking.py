"""Every admin page, walked as staff without "Can see patients' contact details":
no patient's name, address, phone, message or place anywhere in the HTML."""

import html

import pytest
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission, User
from django.db.models import CharField, TextField
from django.urls import NoReverseMatch, reverse

from tests.factories import InquiryFactory, SubscriptionFactory
from tests.page_text import page_text
from trials.coordinator import inquiry_status_set
from trials.emails import inquiry_emails_create
from trials.models import Inquiry, OutgoingEmail, Subscription, SubscriptionDelivery

pytestmark = [
    pytest.mark.django_db,
    # Conditions have no default order; their autocomplete (a trial's field,
    # no patient data) pages them anyway. Not this module's concern.
    pytest.mark.filterwarnings("ignore::django.core.paginator.UnorderedObjectListWarning"),
]

PATIENT = {
    "first_name": "Xanthippe",
    "last_name": "Quillfeather",
    "email": "xanthippe.q@example.com",
    "phone": "+8613912345678",
    "location_text": "Wenzhou Lane 7",
    "message": "Zebracorn asks about parking",
}
SUBSCRIBER = "olwen.rhydderch@example.com"
# The study team's note on a status change: it quotes the patient, and says
# something about their health that no contact field holds.
NOTE = (
    "Called Xanthippe Quillfeather on 139-1234-5678 (xanthippe.q@example.com): "
    "eGFR 17 on Zoltraxin, not eligible"
)
SECRETS = [
    "Xanthippe",
    "Quillfeather",
    "xanthippe.q@example.com",
    "13912345678",
    "Wenzhou Lane",
    "Zebracorn",
    SUBSCRIBER,
    "139-1234-5678",
    "Zoltraxin",
]


@pytest.fixture
def rows():
    """One of each row that carries contact details, with history and errors."""
    inquiry = InquiryFactory(**PATIENT)
    inquiry_emails_create(inquiry=inquiry)
    inquiry_status_set(inquiry_id=inquiry.pk, status="not_eligible", note=NOTE)
    # Rows written before delivery errors stopped quoting the recipient.
    inquiry.emails.filter(kind=OutgoingEmail.Kind.PATIENT_COPY).update(
        status=OutgoingEmail.Status.FAILED,
        last_error="SMTPRecipientsRefused: {'XANTHIPPE.Q@example.com': (550, b'no such user')}",
    )
    subscription = SubscriptionFactory(email=SUBSCRIBER)
    email = OutgoingEmail.objects.create(
        kind=OutgoingEmail.Kind.TRIAL_DIGEST,
        subscription=subscription,
        to=SUBSCRIBER,
        subject="1 new trial for you",
        body_text="…",
        message_id="<digest-1@example.org>",
        status=OutgoingEmail.Status.FAILED,
        last_error=f"550 <{SUBSCRIBER}> rejected",
    )
    SubscriptionDelivery.objects.create(subscription=subscription, trial=inquiry.trial, email=email)
    editor = User.objects.create_superuser("editor", "editor@example.org", "pw")
    for obj in (inquiry, subscription):
        LogEntry.objects.log_actions(
            editor.pk, [obj], CHANGE, change_message=[{"changed": {"fields": ["Status"]}}]
        )
    return inquiry, subscription


def staff_without_the_permission(client) -> User:
    user = User.objects.create_user("staff", "staff@example.org", "pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.exclude(codename="view_contact_details"))
    client.force_login(user)
    return user


def admin_urls() -> list[str]:
    """Index, app pages, and per registered model: list, add, autocomplete,
    and for each row its change, history and delete pages."""
    urls = [reverse("admin:index"), reverse("admin:app_list", args=["trials"])]
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls += [reverse(f"{info}_changelist"), reverse(f"{info}_add")]
        for pk in model._default_manager.values_list("pk", flat=True)[:20]:
            for page in ("change", "history", "delete"):
                urls.append(reverse(f"{info}_{page}", args=[pk]))
        for field in admin.site._registry[model].autocomplete_fields:
            query = f"app_label={model._meta.app_label}&model_name={model._meta.model_name}"
            urls.append(f"{reverse('admin:autocomplete')}?{query}&field_name={field}&term=")
    try:
        urls.append(reverse("admin:trials_inquiry_stats"))
    except NoReverseMatch:
        pass
    return urls


def walk(client) -> dict[str, str]:
    """Every page's HTML by URL, plus the delete confirmations and the CSV export."""
    pages = {}
    for url in admin_urls():
        response = client.get(url)
        assert response.status_code in (200, 302, 403), (url, response.status_code)
        pages[url] = response.content.decode()
    for model in (Inquiry, OutgoingEmail, Subscription, SubscriptionDelivery):
        url = reverse(f"admin:trials_{model._meta.model_name}_changelist")
        selected = [str(pk) for pk in model.objects.values_list("pk", flat=True)]
        response = client.post(url, {"action": "delete_selected", "_selected_action": selected})
        pages[f"{url} delete_selected"] = response.content.decode()
    response = client.post(
        reverse("admin:trials_inquiry_changelist"),
        {
            "action": "export_csv",
            "_selected_action": list(Inquiry.objects.values_list("pk", flat=True)),
        },
    )
    pages["inquiries.csv"] = b"".join(response.streaming_content).decode("utf-8-sig")
    response = client.post(
        reverse("admin:trials_subscription_changelist"),
        {"action": "export_csv", "select_across": "1", "_selected_action": ["0"]},
    )
    pages["subscribers.csv"] = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "@" in pages["subscribers.csv"] or "•••" in pages["subscribers.csv"]
    return pages


def leaks(pages: dict[str, str]) -> list[tuple[str, str]]:
    found = []
    for url, text in pages.items():
        text = html.unescape(text).casefold()
        found += [(url, secret) for secret in SECRETS if secret.casefold() in text]
    return found


def test_no_admin_page_shows_contact_details_without_the_permission(client, rows):
    staff_without_the_permission(client)
    pages = walk(client)
    assert len(pages) > 40
    assert leaks(pages) == []
    # Masked, not missing: the rows are there to tell apart.
    inquiry, subscription = rows
    change = pages[reverse("admin:trials_inquiry_change", args=[inquiry.pk])]
    assert "X•••" in change and "x•••" in change and "550" in change
    # The study team's answer is there, its note hidden as health data.
    assert "Not eligible" in page_text(change) and "eGFR" not in change
    assert "o•••" in pages[reverse("admin:trials_subscription_change", args=[subscription.pk])]


def test_staff_with_the_permission_see_every_contact_detail(client, rows):
    user = staff_without_the_permission(client)
    user.user_permissions.add(Permission.objects.get(codename="view_contact_details"))
    found = {secret for _url, secret in leaks(walk(client))}
    assert found == set(SECRETS)


def test_the_study_teams_notes_are_shown_only_with_the_permission(client, rows):
    inquiry, _subscription = rows
    url = reverse("admin:trials_inquiry_change", args=[inquiry.pk])
    user = staff_without_the_permission(client)
    text = page_text(client.get(url))
    assert "Not eligible" in text and "•••" in text
    assert "eGFR" not in text and "Zoltraxin" not in text and "5678" not in text

    user.user_permissions.add(Permission.objects.get(codename="view_contact_details"))
    user = User.objects.get(pk=user.pk)  # permissions are cached on the instance
    client.force_login(user)
    assert NOTE in page_text(client.get(url))


def test_search_does_not_look_into_contact_details_without_the_permission(client, rows):
    staff_without_the_permission(client)
    for model in ("inquiry", "subscription", "outgoingemail", "subscriptiondelivery"):
        url = reverse(f"admin:trials_{model}_changelist")
        for term in ("xanthippe", "13912345678", "olwen"):
            response = client.get(url, {"q": term})
            assert response.context["cl"].result_count == 0, (model, term)


def test_no_model_names_a_patient_in_its_str(rows):
    inquiry, subscription = rows
    objects = [inquiry, subscription, *inquiry.emails.all(), *SubscriptionDelivery.objects.all()]
    objects += list(inquiry.status_changes.all())
    objects += list(OutgoingEmail.objects.filter(subscription=subscription))
    for obj in objects:
        assert not [s for s in SECRETS if s.casefold() in str(obj).casefold()], obj


def test_history_and_errors_written_before_are_rewritten(client):
    """The data migration: old history entries carried the subscriber's address."""
    import importlib

    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader

    subscription = SubscriptionFactory(email=SUBSCRIBER)
    editor = User.objects.create_superuser("editor", "editor@example.org", "pw")
    [entry] = LogEntry.objects.log_actions(editor.pk, [subscription], CHANGE)
    LogEntry.objects.filter(pk=entry.pk).update(object_repr=f"{SUBSCRIBER} (Confirmed)")
    email = OutgoingEmail.objects.create(
        kind=OutgoingEmail.Kind.SUBSCRIPTION_CONFIRM,
        subscription=subscription,
        to=SUBSCRIBER,
        subject="Please confirm",
        body_text="…",
        message_id="<confirm-old@example.org>",
        last_error=f"SMTPRecipientsRefused: {{'{SUBSCRIBER}': (550, b'no such user')}}",
    )
    names = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    [name] = [n for app, n in names if app == "trials" and n.endswith("_privacy_scrub")]
    importlib.import_module(f"trials.migrations.{name}").forward(apps, None)

    entry.refresh_from_db()
    email.refresh_from_db()
    assert SUBSCRIBER not in entry.object_repr and "(550, b'no such user')" in email.last_error
    assert SUBSCRIBER not in email.last_error


def test_every_admin_over_patient_rows_goes_through_the_masking():
    from trials.admin.masking import MaskedContactsAdmin

    for model, model_admin in admin.site._registry.items():
        if hasattr(model, "contact_values"):
            assert isinstance(model_admin, MaskedContactsAdmin), model
        for inline in model_admin.inlines:
            if hasattr(inline.model, "contact_values"):
                assert issubclass(inline, MaskedContactsAdmin), inline


def test_staff_without_the_permission_can_still_change_the_status(client, rows):
    inquiry, _subscription = rows
    staff_without_the_permission(client)
    url = reverse("admin:trials_inquiry_change", args=[inquiry.pk])
    form = client.get(url).context["adminform"].form
    assert not set(Inquiry.CONTACT_FIELDS) & set(form.fields)

    data = {
        "status": "contacted",
        "preferred_language": "en",
        "emails-TOTAL_FORMS": "2",
        "emails-INITIAL_FORMS": "2",
        "emails-MIN_NUM_FORMS": "0",
        "emails-MAX_NUM_FORMS": "1000",
        "status_changes-TOTAL_FORMS": "1",
        "status_changes-INITIAL_FORMS": "1",
        "status_changes-MIN_NUM_FORMS": "0",
        "status_changes-MAX_NUM_FORMS": "1000",
        "status_changes-0-id": str(inquiry.status_changes.get().pk),
        "status_changes-0-inquiry": str(inquiry.pk),
    }
    for i, email in enumerate(inquiry.emails.order_by("-created_at")):
        data[f"emails-{i}-id"] = str(email.pk)
        data[f"emails-{i}-inquiry"] = str(inquiry.pk)
    response = client.post(url, data, follow=True)

    assert response.status_code == 200
    assert not leaks({"after saving": response.content.decode()})
    inquiry.refresh_from_db()
    assert inquiry.status == "contacted" and inquiry.email == PATIENT["email"]
    assert inquiry.first_name == PATIENT["first_name"] and inquiry.phone == PATIENT["phone"]


def masked_lookups(model) -> list[str]:
    """Every filter an address could carry that reads a masked value: the
    model's free text and contact fields, and its relations' contact fields."""
    lookups = []
    for field in model._meta.get_fields():
        if field.is_relation and field.related_model is not None:
            names = getattr(field.related_model, "CONTACT_FIELDS", ())
            lookups += [f"{field.name}__{name}__startswith" for name in names]
        elif isinstance(field, CharField | TextField) and not field.choices:
            lookups += [f"{field.name}__startswith", f"{field.name}__icontains"]
    return lookups


PATIENT_ADMINS = [model for model in admin.site._registry if hasattr(model, "contact_values")]


@pytest.mark.parametrize("model", PATIENT_ADMINS, ids=lambda model: model.__name__)
def test_filters_in_the_address_do_not_read_masked_values(client, rows, model):
    staff_without_the_permission(client)
    url = reverse(f"admin:trials_{model._meta.model_name}_changelist")
    everything = client.get(url).context["cl"].result_count
    assert everything > 0
    lookups = masked_lookups(model)
    assert any("email" in lookup for lookup in lookups), lookups
    for lookup in lookups:
        for letter in ("x", "o", "Z", "zzz"):
            response = client.get(url, {lookup: letter})
            assert response.status_code == 302, (lookup, response.status_code)
            assert lookup not in response["Location"]
            page = client.get(response["Location"])
            # The same rows as with no filter at all: nothing told by the count.
            assert page.context["cl"].result_count == everything, (lookup, letter)
            assert "Filtering by patients' contact details needs the permission" in (
                page_text(page)
            )
            assert not leaks({url: page.content.decode()})


def test_staff_with_the_permission_filter_by_contact_details(client, rows):
    user = staff_without_the_permission(client)
    user.user_permissions.add(Permission.objects.get(codename="view_contact_details"))
    url = reverse("admin:trials_inquiry_changelist")
    assert client.get(url, {"email__startswith": "xan"}).context["cl"].result_count == 1
    assert client.get(url, {"email__startswith": "zzz"}).context["cl"].result_count == 0
