"""{% trial_record trial as record %}: the registry record as the trial page
shows it (trials/record.py), read only where a cached part of the page is
rendered again; and {{ date|record_date }}: one of its dates."""

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from trials.contacts import tel
from trials.record import RecordDate, trial_record

register = template.Library()

register.simple_tag(trial_record, name="trial_record")


# Links and marks that go inside a translated sentence ("Phone: %(phone)s",
# "时间范围：%(time_frame)s"), where the translation places them.
@register.filter
def tel_link(number: str) -> SafeString:
    """'+1 555 0100 ext. 12' as a link that dials it."""
    if not number:
        return mark_safe("")
    return format_html('<a href="tel:{}">{}</a>', tel(number), number)


@register.filter
def mailto_link(address: str) -> SafeString:
    return format_html('<a href="mailto:{}">{}</a>', address, address) if address else ""


@register.filter
def lang_en(text: str) -> SafeString:
    """Registry text (escaped, or already safe HTML) marked as English."""
    return format_html('<span lang="en">{}</span>', text)


@register.filter
def record_date(value: RecordDate | None) -> SafeString:
    """'June 2025 (estimated)', '15 October 2025 (actual)', or the registry's
    own text where it is not a date."""
    if value is None:
        return mark_safe("")
    if value.day is None:
        shown = format_html('<span lang="en">{}</span>', value.text)
    elif value.month_only:
        text = date_format(value.day, "YEAR_MONTH_FORMAT")
        shown = format_html('<time datetime="{}">{}</time>', value.day.strftime("%Y-%m"), text)
    else:
        text = date_format(value.day, "DATE_FORMAT")
        shown = format_html('<time datetime="{}">{}</time>', value.day.isoformat(), text)
    if value.actual is True:
        # The catalogue's own words around escaped HTML.
        return mark_safe(gettext("%(date)s (actual)") % {"date": shown})  # noqa: S308
    if value.actual is False:
        return mark_safe(gettext("%(date)s (estimated)") % {"date": shown})  # noqa: S308
    return shown
