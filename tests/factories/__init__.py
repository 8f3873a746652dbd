"""factory-boy factories per app, with traits for common states."""

import factory
from django.utils import timezone

from apps.escalation.models import Handoff, Queue
from apps.tickets.choices import AuthorKind, Channel
from apps.tickets.models import Contact, Message, Organization, Ticket
from apps.workflows.choices import Outcome
from apps.workflows.models import Category, Decision, Draft


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Customer {n} GmbH")
    domain = factory.Sequence(lambda n: f"customer{n}.example")
    tier = "pro"

    class Params:
        enterprise = factory.Trait(tier="enterprise", segment="enterprise")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"person{n}@customer.example")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"category-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())


class QueueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Queue
        django_get_or_create = ("slug",)

    slug = "support"
    name = factory.LazyAttribute(lambda o: o.slug.title())


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    source = "api"
    external_id = factory.Sequence(lambda n: f"T-{n}")
    contact = factory.SubFactory(ContactFactory)
    organization = factory.SelfAttribute("contact.organization")
    channel = Channel.EMAIL
    subject = factory.Faker("sentence", nb_words=6)
    created_at = factory.LazyFunction(timezone.now)


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    ticket = factory.SubFactory(TicketFactory)
    author_kind = AuthorKind.CUSTOMER
    body = factory.Faker("paragraph")
    created_at = factory.LazyFunction(timezone.now)


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Decision

    ticket = factory.SubFactory(TicketFactory)
    category = factory.SubFactory(CategoryFactory)
    confidence = 0.75
    outcome = Outcome.DRAFT
    reply_text = "Here is how to do that."
    turn = factory.Sequence(lambda n: n + 1)


class DraftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Draft

    decision = factory.SubFactory(DecisionFactory, outcome=Outcome.DRAFT)
    ticket = factory.SelfAttribute("decision.ticket")
    body = factory.SelfAttribute("decision.reply_text")


class HandoffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Handoff

    ticket = factory.SubFactory(TicketFactory)
    queue = factory.SubFactory(QueueFactory)
    reason = "keyword: refund"
    package = factory.LazyFunction(dict)
