"""Receipts (SECURITY.md "Uploads"): the type comes from the content, not the name; the size is
limited; the stored name is random; the file lives in the private folder and is served only by
`expense_receipt`, as an attachment, to those who may see the expense. No /media/ URL exists."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from reclass_volunteers.models import AuditEvent
from supervision import uploads
from supervision.models import Expense
from supervision.services.expenses import expense_submit
from tests.conftest import World, client_for
from tests.factories import UserFactory, VolunteerFactory
from tests.supervision.factories_expenses import (
    HEIC,
    JPEG,
    PDF,
    PNG,
    ExpenseFactory,
    upload,
    with_receipt,
)


@pytest.fixture(autouse=True)
def private_media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "private-media"
    return Path(settings.MEDIA_ROOT)


def _stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def _submit(world: World, receipt: Any) -> Expense:
    return expense_submit(
        by=world.volunteer_user,
        kind="item",
        spent_on=world.match.started_on,
        description="Koffie",
        amount=Decimal("4.50"),
        receipt=receipt,
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (JPEG, "image/jpeg"),
        (PNG, "image/png"),
        (PDF, "application/pdf"),
        (HEIC, "image/heic"),
        (b"hello, this is text", None),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
        (b"GIF89a\x01\x00", None),
        (b"", None),
    ],
)
def test_the_type_is_read_from_the_first_bytes(content: bytes, expected: str | None) -> None:
    assert uploads.sniff_content_type(content[:16]) == expected


def test_a_pdf_named_jpg_is_stored_as_a_pdf(world: World, private_media: Path) -> None:
    expense = _submit(world, upload("bon.jpg", PDF, content_type="image/jpeg"))
    assert expense.receipt_content_type == "application/pdf"
    assert expense.receipt.name.endswith(".pdf")
    assert (private_media / str(expense.receipt.name)).read_bytes() == PDF


def test_the_stored_name_is_random_and_dated(world: World) -> None:
    first = _submit(world, upload("mijn-bon.png", PNG, content_type="image/png"))
    second = _submit(world, upload("mijn-bon.png", PNG, content_type="image/png"))
    today = first.created_at.astimezone()
    for expense in (first, second):
        folder, year, month, name = expense.receipt.name.split("/")
        assert (folder, year, month) == ("receipts", f"{today:%Y}", f"{today:%m}")
        assert "mijn-bon" not in name
        assert len(name) == 32 + len(".png")
    assert first.receipt.name != second.receipt.name


def test_a_text_file_named_png_is_refused(world: World, private_media: Path) -> None:
    with pytest.raises(ValidationError) as refused:
        _submit(world, upload("receipt.png", b"just some text\n" * 10, content_type="image/png"))
    assert "receipt" in refused.value.message_dict
    assert "PDF" in refused.value.message_dict["receipt"][0].upper()
    assert not Expense.objects.exists()
    assert _stored_files(private_media) == []


def test_a_too_large_receipt_is_refused(world: World, settings: Any, private_media: Path) -> None:
    settings.RECEIPT_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as refused:
        _submit(world, upload("bon.jpg", JPEG + b"\x00" * 2000))
    assert "MB" in refused.value.message_dict["receipt"][0]
    assert not Expense.objects.exists()
    assert _stored_files(private_media) == []


def test_the_default_limit_is_five_megabytes(world: World) -> None:
    assert not hasattr(settings, "RECEIPT_MAX_BYTES")
    assert uploads.receipt_max_bytes() == 5 * 1024 * 1024
    with pytest.raises(ValidationError):
        _submit(world, upload("bon.jpg", JPEG + b"\x00" * (5 * 1024 * 1024)))
    assert _submit(world, upload("bon.jpg", JPEG + b"\x00" * 1000)).receipt


def test_an_empty_file_is_refused_by_the_form(world: World) -> None:
    response = client_for(world.volunteer_user).post(
        reverse("supervision:expense_create"),
        {
            "kind": "item",
            "spent_on": world.match.started_on.isoformat(),
            "description": "Koffie",
            "amount": "3,00",
            "receipt": upload("bon.jpg", b""),
        },
    )
    assert response.status_code == 200
    assert "receipt" in response.context["form"].errors
    assert not Expense.objects.exists()


# --- Serving ---------------------------------------------------------------------------------


def test_the_receipt_is_served_as_an_attachment_with_its_stored_type(world: World) -> None:
    expense = _submit(world, upload("bon.jpg", PDF))
    for user in (world.volunteer_user, world.professional, world.coordinator, world.admin):
        response = client_for(user).get(reverse("supervision:expense_receipt", args=[expense.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert f'filename="bon-{expense.pk}.pdf"' in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
        assert response.content == PDF
    assert (
        AuditEvent.objects.filter(action="expense.receipt.read", object_id=str(expense.pk)).count()
        == 4
    )


def test_a_foreign_user_gets_404(world: World) -> None:
    expense = with_receipt(ExpenseFactory(volunteer=world.volunteer))
    url = reverse("supervision:expense_receipt", args=[expense.pk])
    other_volunteer = VolunteerFactory(
        organisation=world.org_a,
        user=UserFactory(organisation=world.org_a, role="volunteer"),
    )
    # Another volunteer of the same organisation, a professional who does not supervise this
    # volunteer, and the other organisation's coordinator.
    other_professional = UserFactory(organisation=world.org_a, role="professional")
    for user in (other_volunteer.user, other_professional, world.outsider):
        assert client_for(user).get(url).status_code == 404
    assert (
        AuditEvent.objects.filter(action="access.denied", result=AuditEvent.Result.DENIED).count()
        == 3
    )


def test_an_expense_without_a_receipt_has_no_download(world: World) -> None:
    expense = ExpenseFactory(volunteer=world.volunteer)
    response = client_for(world.coordinator).get(
        reverse("supervision:expense_receipt", args=[expense.pk])
    )
    assert response.status_code == 404


def test_a_receipt_missing_from_the_storage_is_404(world: World) -> None:
    expense = with_receipt(ExpenseFactory(volunteer=world.volunteer))
    default_storage.delete(expense.receipt.name)
    response = client_for(world.coordinator).get(
        reverse("supervision:expense_receipt", args=[expense.pk])
    )
    assert response.status_code == 404


def test_a_name_outside_the_receipts_folder_is_never_opened() -> None:
    for name in ("../settings.py", "receipts/../../etc/passwd", "other/file.pdf"):
        with pytest.raises(FileNotFoundError):
            uploads.open_receipt(name)


def test_the_file_is_never_reachable_under_media(world: World) -> None:
    expense = _submit(world, upload("bon.jpg", JPEG))
    for prefix in ("/media/", "/", "/static/", "/private-media/"):
        response = client_for(world.coordinator).get(f"{prefix}{expense.receipt.name}")
        assert response.status_code == 404, prefix
    assert settings.MEDIA_URL in ("", "/")


def test_no_route_serves_the_upload_folder() -> None:
    def walk(patterns: list[Any], prefix: str) -> list[str]:
        found: list[str] = []
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                found += walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                found.append(prefix + str(pattern.pattern))
        return found

    routes = walk(get_resolver().url_patterns, "")
    assert not [r for r in routes if "media" in r.lower() or "receipts" in r.lower()]
    assert not str(settings.MEDIA_ROOT).startswith(str(settings.STATIC_ROOT))
