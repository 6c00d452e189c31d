from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_outbox_next_attempt"),
    ]

    operations = [
        # Until now every notification went to administrators and Technik: the members whose
        # role has projects.
        migrations.AddField(
            model_name="notification",
            name="concerns",
            field=models.CharField(default="PROJECTS", max_length=16, verbose_name="betrifft"),
            preserve_default=False,
        ),
    ]
