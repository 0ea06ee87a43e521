"""Factories for expenses, allowance claims and the supervision policy, and small receipt files
of each accepted kind (only their first bytes matter)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import factory
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from supervision.models import AllowanceClaim, Expense, SupervisionPolicy
from tests.factories import OrganisationFactory, VolunteerFactory

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"  # ASCII only: pages decode responses
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 32


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    """A file as the browser sends it; the name and claimed type are the sender's word only."""
    return SimpleUploadedFile(name, content, content_type=content_type)


class SupervisionPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupervisionPolicy
        django_get_or_create = ("organisation",)

    organisation = factory.SubFactory(OrganisationFactory)


class ExpenseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Expense

    volunteer = factory.SubFactory(VolunteerFactory)
    kind = Expense.Kind.ITEM
    spent_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=1))
    description = factory.Sequence(lambda n: f"Koffie {n}")
    amount = Decimal("12.50")
    status = Expense.Status.SUBMITTED


def with_receipt(
    expense: Expense, content: bytes = PDF, content_type: str = "application/pdf"
) -> Expense:
    """Store a receipt for the expense in the (test's) private storage."""
    name = default_storage.save(f"receipts/test/{expense.pk}.bin", ContentFile(content))
    expense.receipt.name = name
    expense.receipt_content_type = content_type
    expense.save(update_fields=["receipt", "receipt_content_type"])
    return expense


class AllowanceClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AllowanceClaim

    volunteer = factory.SubFactory(VolunteerFactory)
    month = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    hours = Decimal("10.0")
    amount = Decimal("50.00")


def allowance_policy(organisation: Any, rate: str = "5.00") -> SupervisionPolicy:
    policy = SupervisionPolicy.for_organisation(organisation)
    policy.pays_allowance = True
    policy.allowance_hourly_rate = Decimal(rate)
    policy.save()
    return policy
