import datetime

import factory

from trials.models import Condition, RecruitmentStatus, Site, Trial


class ConditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Condition
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Condition {n}")
    slug = factory.LazyAttribute(lambda o: Condition.slug_for(o.name))


class TrialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trial

    nct_id = factory.Sequence(lambda n: f"NCT{90000000 + n:08d}")
    brief_title = factory.Sequence(lambda n: f"A study of treatment {n}")
    slug = factory.LazyAttribute(lambda o: o.brief_title.lower().replace(" ", "-")[:120])
    overall_status = RecruitmentStatus.RECRUITING
    phases = factory.LazyFunction(lambda: ["NA"])
    minimum_age_days = 18 * 365
    maximum_age_days = 80 * 365
    overview = "A plain-language summary."
    description = "A description."
    eligibility_criteria = "Inclusion Criteria:\n\n1. Aged 18 or older\n\nExclusion Criteria:\n\n1. Pregnant"
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
