import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def every_login_becomes_its_accounts_administrator(apps, schema_editor):
    Customer = apps.get_model("customercenter", "Customer")
    Membership = apps.get_model("customercenter", "Membership")
    User = apps.get_model("customercenter", "User")
    for customer in Customer.objects.all().iterator():
        Membership.objects.create(user_id=customer.user_id, customer=customer, role="administrator")
        User.objects.filter(pk=customer.user_id, name="").update(
            name=f"{customer.first_name} {customer.last_name}".strip()
        )


def every_account_gets_back_its_first_administrator(apps, schema_editor):
    Customer = apps.get_model("customercenter", "Customer")
    Membership = apps.get_model("customercenter", "Membership")
    for customer in Customer.objects.all().iterator():
        first = Membership.objects.filter(customer=customer, role="administrator").order_by("created_at", "pk").first()
        customer.user_id = first.user_id
        customer.save(update_fields=["user"])


class Migration(migrations.Migration):
    dependencies = [
        ("customercenter", "0002_customer_country_from_list"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="name",
            field=models.CharField(blank=True, max_length=200, verbose_name="Name"),
        ),
        migrations.AddField(
            model_name="customer",
            name="technik_may_decide",
            field=models.BooleanField(
                default=False,
                help_text="Sonst tun das nur Administratoren dieses Kontos.",
                verbose_name="Technik darf Projekte freigeben und Anträge beantworten",
            ),
        ),
        migrations.CreateModel(
            name="Membership",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("administrator", "Administrator"),
                            ("technik", "Technik"),
                            ("buchhaltung", "Buchhaltung"),
                        ],
                        max_length=16,
                        verbose_name="Rolle",
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="Mitglied seit"),
                ),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to="customercenter.customer",
                        verbose_name="Kunde",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="Person",
                    ),
                ),
            ],
            options={
                "verbose_name": "Mitglied",
                "verbose_name_plural": "Mitglieder",
                "ordering": ["customer", "user__email"],
                "constraints": [models.UniqueConstraint(fields=("customer", "user"), name="one_membership_per_person")],
            },
        ),
        migrations.AlterField(
            model_name="customer",
            name="user",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="customer",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(
            every_login_becomes_its_accounts_administrator, every_account_gets_back_its_first_administrator
        ),
        migrations.RemoveField(model_name="customer", name="user"),
    ]
