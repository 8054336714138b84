"""Patients' contact details in the admin: one mechanism for every admin page.

Staff without "Can see patients' contact details" must not see a patient's
name, email address, phone, message or place, nor their health data
(pre-screening answers, a subscriber's interests, coordinates), anywhere in
the admin. Every
admin class (and inline) over rows that carry such details inherits
`MaskedContactsAdmin`, which rewrites what Django builds the pages from
rather than each page:

- the model's CONTACT_FIELDS and HEALTH_FIELDS (`masked_fields`), as a
  column, a form field or an inline field, become read-only and masked
  ("M•••" for a Latin name, "•••" for a Chinese one or for health data);
- every other text shown (a column, a read-only field: subjects, delivery
  errors, computed columns) has the row's `contact_values()` masked in it;
- search and filters never look into contact fields (a hit would tell who
  wrote to us), and neither does a filter typed into the address
  (`?email__startswith=a`, `?to__contains=`, `?inquiry__last_name=`): such
  a lookup, on a contact field or on free text of a row that may quote one,
  is refused by `lookup_allowed` and the list is shown without it, with a
  word saying so (`masked_lookup` is the rule).

What Django builds from `__str__` (titles, breadcrumbs, delete
confirmations, history, autocomplete) is covered by no model's `__str__`
carrying contact details. The CSV export masks with the same `shown()`.
tests/test_admin_masking.py walks every admin page to hold this together.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.admin.options import IS_POPUP_VAR, TO_FIELD_VAR
from django.contrib.admin.utils import label_for_field, lookup_field
from django.contrib.admin.views.main import ERROR_FLAG, IGNORED_PARAMS, PAGE_VAR
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.translation import gettext

from trials.privacy import can_see_contacts, hide, mask, redact

TEXT_FIELDS = (models.CharField, models.TextField)


def contact_values_of(obj) -> list[str]:
    return obj.contact_values() if hasattr(obj, "contact_values") else []


def _target_field(model, name: str):
    """The model field `name` ("email", "subscription__email") ends on, or None."""
    parts = name.split(LOOKUP_SEP)
    for part in parts[:-1]:
        try:
            model = model._meta.get_field(part).related_model
        except FieldDoesNotExist:
            return None
        if model is None:
            return None
    try:
        return model._meta.get_field(parts[-1])
    except FieldDoesNotExist:
        return None


def masked_fields(model) -> tuple[str, ...]:
    """The one rule: a model's contact details (CONTACT_FIELDS) and its health
    data and places (HEALTH_FIELDS: pre-screening answers, interests,
    coordinates) are masked alike, in lists, pages, searches, filters and exports."""
    return (*getattr(model, "CONTACT_FIELDS", ()), *getattr(model, "HEALTH_FIELDS", ()))


def is_health_field(model, name: str) -> bool:
    field = _target_field(model, name.lstrip("^=@"))
    return field is not None and field.name in getattr(field.model, "HEALTH_FIELDS", ())


def is_contact_field(model, name: str) -> bool:
    """Masked for staff without the permission (see masked_fields)."""
    field = _target_field(model, name.lstrip("^=@"))
    return field is not None and field.name in masked_fields(field.model)


def _lookup_target(model, lookup: str):
    """The model field a filter such as "inquiry__email__startswith" reads, or None.

    Relations are followed (reverse ones too: "emails__to"); the first
    field that is not a relation ends the path, the rest being lookups."""
    field = None
    for part in lookup.split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return field
        if not field.is_relation or field.related_model is None:
            return field
        model = field.related_model
    return field


def masked_lookup(model, lookup: str, offered: set[str]) -> bool:
    """Whether filtering by `lookup` could tell staff without the permission
    what a masked value is, letter by letter (`email__startswith=a`).

    Contact fields are masked, and so is free text of a row that carries
    contact details (an email's recipient, subject or error may quote the
    patient). The exact parameters of the admin's own filters (`offered`)
    stay: their values are the links the filter already shows."""
    if lookup in offered:
        return False
    field = _lookup_target(model, lookup)
    if field is None or field.is_relation:
        return False
    if field.name in masked_fields(field.model):
        return True
    free_text = isinstance(field, TEXT_FIELDS) and not field.choices
    return free_text and hasattr(field.model, "contact_values")


class Shown:
    """A column or read-only field standing in for `name`: masked or redacted.

    Equal to every other stand-in for the same model and name: Django matches
    form fields against read-only fields by equality, whichever request (or
    thread) built them.
    """

    def __init__(self, model_admin, name: str, field) -> None:
        self.model_admin, self.name = model_admin, name
        label, attr = label_for_field(name, model_admin.model, model_admin, return_attr=True)
        # A computed column showing a masked field (a table of the
        # pre-screening answers) names it in `masks`.
        shows = getattr(attr, "masks", None) or name
        self.contact = is_contact_field(model_admin.model, shows)
        self.health = is_health_field(model_admin.model, shows)
        self.__name__ = name.replace(LOOKUP_SEP, "_")
        self.short_description = label
        for option in ("boolean", "empty_value_display"):
            if hasattr(attr, option):
                setattr(self, option, getattr(attr, option))
        # Sorting by a masked column would still tell the order of names.
        ordering = getattr(attr, "admin_order_field", None) or (field and name)
        if ordering and not self.contact:
            self.admin_order_field = ordering

    def __call__(self, obj):
        _field, _attr, value = lookup_field(self.name, obj, self.model_admin)
        if self.health:
            return hide(value)
        if self.contact:
            return mask(str(value or ""))
        if isinstance(value, str):
            return redact(value, contact_values_of(obj))
        return value

    def __eq__(self, other) -> bool:
        return isinstance(other, Shown) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    @property
    def _key(self) -> tuple:
        return (self.model_admin.model, self.name)


class MaskedContactsAdmin:
    """Put before admin.ModelAdmin or an inline class; see the module docstring."""

    def shown(self, name: str | Callable) -> str | Callable:
        """What the page shows instead of field `name` to staff without the permission."""
        if not isinstance(name, str) or name in ("__str__", "action_checkbox"):
            return name
        field = _target_field(self.model, name)
        if field is not None and not is_contact_field(self.model, name):
            # Dates, numbers, choices and links to other rows carry no contact
            # details (no model's __str__ does); plain text might quote them.
            if not isinstance(field, TEXT_FIELDS) or field.choices:
                return name
        return Shown(self, name, field)

    def cell(self, request: HttpRequest, obj, name: str) -> str:
        """One value as this member of staff may see it, for exports."""
        if not can_see_contacts(request.user):
            name = self.shown(name)
        value = lookup_field(name, obj, self)[2]
        return "" if value is None else str(value)

    def _shown_all(self, names) -> list:
        return [
            self._shown_all(name) if isinstance(name, list | tuple) else self.shown(name)
            for name in names
        ]

    def get_list_display(self, request: HttpRequest):
        names = super().get_list_display(request)
        return names if can_see_contacts(request.user) else self._shown_all(names)

    def get_fields(self, request: HttpRequest, obj=None):
        names = super().get_fields(request, obj)
        if can_see_contacts(request.user):
            return names
        readonly = self.get_readonly_fields(request, obj)

        def field(name):
            # An editable field stays a form field, unless it is contact data.
            if name in readonly or self.shown(name) in readonly:
                return self.shown(name)
            return self.shown(name) if is_contact_field(self.model, name) else name

        return [tuple(map(field, n)) if isinstance(n, list | tuple) else field(n) for n in names]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        names = super().get_readonly_fields(request, obj)
        if can_see_contacts(request.user):
            return names
        contact = [self.shown(name) for name in masked_fields(self.model)]
        return [*self._shown_all(names), *contact]

    def get_search_fields(self, request: HttpRequest):
        names = super().get_search_fields(request)
        if can_see_contacts(request.user):
            return names
        return [name for name in names if not is_contact_field(self.model, name)]

    def get_search_results(self, request: HttpRequest, queryset, search_term):
        # Every field searched is masked: a search must not list the rows it
        # would have matched, nor everything (which would tell it matched none).
        declared = super().get_search_fields(request)
        if search_term and declared and not self.get_search_fields(request):
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    def get_list_filter(self, request: HttpRequest):
        names = super().get_list_filter(request)
        if can_see_contacts(request.user):
            return names
        return [n for n in names if not (isinstance(n, str) and is_contact_field(self.model, n))]

    def _offered_lookups(self, request: HttpRequest) -> set[str]:
        names = [n for n in self.get_list_filter(request) if isinstance(n, str)]
        return {f"{n}{suffix}" for n in names for suffix in ("", "__exact", "__isnull")}

    def refused_lookups(self, request: HttpRequest, params) -> list[str]:
        """The filters in `params` this member of staff may not use."""
        if can_see_contacts(request.user):
            return []
        ignored = {*IGNORED_PARAMS, PAGE_VAR, ERROR_FLAG, IS_POPUP_VAR, TO_FIELD_VAR}
        offered = self._offered_lookups(request)
        return [
            name
            for name in params
            if name not in ignored and masked_lookup(self.model, name, offered)
        ]

    def lookup_allowed(self, lookup: str, value, request: HttpRequest) -> bool:
        if self.refused_lookups(request, [lookup]):
            return False
        return super().lookup_allowed(lookup, value, request)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        refused = self.refused_lookups(request, request.GET)
        if refused:
            # Django would answer 400; a list without the filter says more.
            messages.warning(
                request,
                gettext(
                    "Filtering by patients' contact details needs the permission to see "
                    "them; the list is shown without that filter."
                ),
            )
            kept = request.GET.copy()
            for name in refused:
                del kept[name]
            return HttpResponseRedirect(f"{request.path}?{kept.urlencode()}")
        return super().changelist_view(request, extra_context)
