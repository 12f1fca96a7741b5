"""factory_boy factories for the domain models."""
import datetime
from decimal import Decimal

import factory

from deals.models import Deal, DealEvent, EventKind
from instruments.models import ConvertibleNote, EquityLine, ShareClass, Warrant
from obligations.models import DeadlineRule, Obligation
from parties.models import Address, DealParty, Party, Person


class DealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deal

    title = factory.Sequence(lambda n: f"Deal {n}")
    agreement_name = "Securities Purchase Agreement"
    kind = Deal.Kind.CONVERTIBLE_NOTES
    dated_as_of = datetime.date(2005, 5, 23)
    closing_date = datetime.date(2005, 5, 23)


class EventKindFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventKind

    deal = factory.SubFactory(DealFactory)
    name = factory.Sequence(lambda n: f"Kind of event {n}")


class DealEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DealEvent

    deal = factory.SubFactory(DealFactory)
    name = factory.Sequence(lambda n: f"Event {n}")
    date = datetime.date(2005, 7, 1)


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    legal_name = factory.Sequence(lambda n: f"Party {n}, Inc.")
    form = Party.Form.CORPORATION
    jurisdiction = "Nevada"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    party = factory.SubFactory(PartyFactory)
    name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.LazyAttribute(lambda p: f"{p.name.lower().replace(' ', '.')}@example.com")


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    party = factory.SubFactory(PartyFactory)
    street_line_1 = "1 Main Street"
    city = "Boston"
    region = "MA"
    postal_code = "02116"


class DealPartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DealParty

    deal = factory.SubFactory(DealFactory)
    party = factory.SubFactory(PartyFactory)
    role = DealParty.Role.COMPANY


class ShareClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShareClass

    deal = factory.SubFactory(DealFactory)
    issuer = factory.SubFactory(PartyFactory)
    kind = ShareClass.Kind.COMMON
    name = "Common Stock"
    par_value = Decimal("0.001")
    authorized = 200_000_000
    issued_and_outstanding = 43_980_227
    as_of = datetime.date(2005, 5, 23)


class ConvertibleNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConvertibleNote

    deal = factory.SubFactory(DealFactory)
    issuer = factory.SubFactory(PartyFactory)
    name = factory.Sequence(lambda n: f"Notes {n}")
    principal = Decimal("800000.00")
    interest_rate = Decimal("0.10")
    secured = True
    issue_date = datetime.date(2005, 5, 23)


class WarrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warrant

    deal = factory.SubFactory(DealFactory)
    issuer = factory.SubFactory(PartyFactory)
    name = factory.Sequence(lambda n: f"Warrants {n}")
    shares = 4_857_316


class EquityLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EquityLine

    deal = factory.SubFactory(DealFactory)
    issuer = factory.SubFactory(PartyFactory)
    investor = factory.SubFactory(PartyFactory)
    commitment = Decimal("10000000.00")
    placement_fee_rate = Decimal("0.01")


class ObligationFactory(factory.django.DjangoModelFactory):
    """An obligation whose obligor is already a party to the deal, as clean() requires."""

    class Meta:
        model = Obligation
        skip_postgeneration_save = True

    deal = factory.SubFactory(DealFactory)
    obligor = factory.SubFactory(PartyFactory)
    title = factory.Sequence(lambda n: f"Obligation {n}")
    section = "4(h)"
    kind = Obligation.Kind.REPORTING

    @factory.post_generation
    def obligor_is_a_party(obj, create, extracted, **kwargs):
        if create:
            DealParty.objects.get_or_create(deal=obj.deal, party=obj.obligor, role=DealParty.Role.COMPANY)


class DeadlineRuleFactory(factory.django.DjangoModelFactory):
    """Default: SPA s.4(h), five business days after each month end."""

    class Meta:
        model = DeadlineRule

    obligation = factory.SubFactory(ObligationFactory)
    kind = DeadlineRule.Kind.RECURRING
    frequency = DeadlineRule.Frequency.MONTHLY
    offset = 5
    offset_unit = DeadlineRule.Unit.BUSINESS_DAYS
