"""The tax-free volunteer allowance limits of 2025 (Belastingdienst): EUR 5.60 an hour,
210 a month, 2,100 a year. Later years are added as rows, not by changing code."""

from datetime import date
from decimal import Decimal

from django.db import migrations


def add_2025(apps, schema_editor):  # type: ignore[no-untyped-def]
    AllowanceLimit = apps.get_model("supervision", "AllowanceLimit")
    AllowanceLimit.objects.get_or_create(
        valid_from=date(2025, 1, 1),
        defaults={
            "per_hour": Decimal("5.60"),
            "per_month": Decimal("210.00"),
            "per_year": Decimal("2100.00"),
        },
    )


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]

    operations = [migrations.RunPython(add_2025, migrations.RunPython.noop)]
