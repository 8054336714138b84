import datetime

import factory

from trials.models import Condition, Place, PlaceName, RecruitmentStatus, Site, Trial


class ConditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Condition
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Condition {n}")
    slug = factory.LazyAttribute(lambda o: Condition.slug_for(o.name))


class TrialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trial
        skip_postgeneration_save = True

    nct_id = factory.Sequence(lambda n: f"NCT{90000000 + n:08d}")
    brief_title = factory.Sequence(lambda n: f"A study of treatment {n}")
    slug = factory.LazyAttribute(lambda o: o.brief_title.lower().replace(" ", "-")[:120])
    overall_status = RecruitmentStatus.RECRUITING
    phases = factory.LazyFunction(lambda: ["NA"])
    minimum_age_days = 18 * 365
    maximum_age_days = 80 * 365
    overview = "A plain-language summary."
    description = "A description."
    eligibility_criteria = (
        "Inclusion Criteria:\n\n1. Aged 18 or older\n\nExclusion Criteria:\n\n1. Pregnant"
    )
    lead_sponsor = "Example Hospital"
    last_updated = datetime.date(2025, 10, 15)

    @factory.post_generation
    def conditions(self, create, extracted, **kwargs):
        if create and extracted:
            self.conditions.add(*extracted)


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    trial = factory.SubFactory(TrialFactory)
    facility = factory.Sequence(lambda n: f"Example Hospital {n}")
    city = "Hangzhou"
    state = "Zhejiang"
    country = "China"
    latitude = 30.2588
    longitude = 120.1693
    status = RecruitmentStatus.RECRUITING
    contact_name = "Study Coordinator"
    contact_email = factory.Sequence(lambda n: f"site{n}@example.org")
    languages = factory.LazyFunction(lambda: ["zh-hans", "en"])
    is_primary_contact = False


class InquiryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "trials.Inquiry"

    site = factory.SubFactory(SiteFactory)
    trial = factory.LazyAttribute(lambda o: o.site.trial)
    first_name = "小明"
    last_name = "王"
    email = factory.Sequence(lambda n: f"patient{n}@example.com")
    phone = "+8613800138000"
    preferred_language = "zh-hans"
    location_text = "Hangzhou"
    distance_km = 3.2
    routing = "nearest"
    recipient_addresses = factory.LazyAttribute(
        lambda o: [o.site.contact_email] if o.site.contact_email else []
    )
    recipient_reason = "site_contact"
    message = "I would like to know more about this study."
    consent_at = factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC))
    dedupe_key = factory.Sequence(lambda n: f"dedupe-{n}")


class SubscriptionFactory(factory.django.DjangoModelFactory):
    """A confirmed subscriber; pass status="pending" for one who has not confirmed."""

    class Meta:
        model = "trials.Subscription"

    email = factory.Sequence(lambda n: f"subscriber{n}@example.com")
    interests = "sarcoma"
    language = "en"
    status = "confirmed"
    confirmed_at = factory.LazyFunction(
        lambda: datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    )


class PrescreenQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "trials.PrescreenQuestion"

    trial = factory.SubFactory(TrialFactory)
    order = factory.Sequence(lambda n: n)
    text = "Are you pregnant or breastfeeding?"
    kind = "yes_no"
    qualifying_answer = "no"
    criterion = "Pregnant or breastfeeding;"
    reason = "People who are pregnant or breastfeeding cannot take part."


class NoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "trials.Note"

    owner_key = "0" * 64
    trial = factory.SubFactory(TrialFactory)
    section = "description"
    quote = "A description"
    start_offset = 12
    end_offset = 25
    body = "Ask about this."


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "auth.User"
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"coordinator{n}@example.org")
    email = factory.LazyAttribute(lambda o: o.username)


class SiteMembershipFactory(factory.django.DjangoModelFactory):
    """A study-team account holding a site, confirmed."""

    class Meta:
        model = "trials.SiteMembership"

    user = factory.SubFactory(UserFactory)
    site = factory.SubFactory(SiteFactory)
    status = "confirmed"
    confirmed_at = factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC))


def gazetteer_city(
    name: str = "Hangzhou",
    chinese: str = "杭州",
    *,
    geoname_id: int = 1808926,
    latitude: float = 30.29365,
    longitude: float = 120.16142,
    population: int = 6241971,
    country_code: str = "CN",
) -> Place:
    """A city of the gazetteer under its English and Chinese names, as
    load_places keeps it (Hangzhou unless told otherwise)."""
    place = Place.objects.create(
        geoname_id=geoname_id,
        name=name,
        country_code=country_code,
        latitude=latitude,
        longitude=longitude,
        population=population,
    )
    for written in (name, chinese):
        PlaceName.objects.create(place=place, name=written, key=written.casefold())
    return place
