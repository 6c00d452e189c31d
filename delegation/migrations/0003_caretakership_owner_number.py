from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery


def copy_owner_numbers(apps, schema_editor):
    Caretakership = apps.get_model("delegation", "Caretakership")
    Project = apps.get_model("projects", "Project")
    owner_number = Project.objects.filter(pk=OuterRef("project_id")).values("owner__number")[:1]
    Caretakership.objects.update(owner_number=Subquery(owner_number))


class Migration(migrations.Migration):
    dependencies = [
        ("delegation", "0002_care_open_by_caretaker_covers_expiry"),
        ("projects", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="caretakership",
            name="owner_number",
            field=models.PositiveIntegerField(editable=False, null=True, verbose_name="Kundennummer des Inhabers"),
        ),
        migrations.RunPython(copy_owner_numbers, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="caretakership",
            name="owner_number",
            field=models.PositiveIntegerField(editable=False, verbose_name="Kundennummer des Inhabers"),
        ),
        migrations.AddIndex(
            model_name="caretakership",
            index=models.Index(
                condition=Q(("ended_at__isnull", True)),
                fields=["caretaker", "owner_number"],
                include=["project", "expires_at"],
                name="care_open_by_caretaker_owner",
            ),
        ),
    ]
