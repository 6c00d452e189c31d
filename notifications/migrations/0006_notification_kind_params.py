"""Notifications store their kind and parameters instead of a finished sentence.

Existing rows whose sentence is one of the kinds (in German or in English) become that kind with
its parameters, and so speak the reader's language; the rest keep their text, shown as it is.
"""

from django.db import migrations, models
from django.utils import translation

from customercenter import event_params

# The German sentence of each kind when this migration was written (a pair: singular and plural).
SENTENCES = {
    "request.created": "%(caretaker)s beantragt die technische Betreuung von %(project)s.",
    "request.accepted": "Dein Antrag für %(project)s wurde angenommen – du kannst das Projekt jetzt verwalten.",
    "request.declined": "Dein Antrag für %(project)s wurde abgelehnt.",
    "request.withdrawn": "%(caretaker)s hat den Antrag für %(project)s zurückgezogen.",
    "request.ended_by_staff": "Der Support hat deinen Antrag für %(project)s beendet.",
    "requests.lapsed": (
        "Ein Antrag ist nach 30 Tagen ohne Antwort verfallen.",
        "%(n)s Anträge sind nach 30 Tagen ohne Antwort verfallen.",
    ),
    "release.offered": (
        "%(owner)s möchte dir %(n)s Projekt zur technischen Betreuung freigeben.",
        "%(owner)s möchte dir %(n)s Projekte zur technischen Betreuung freigeben.",
    ),
    "release.accepted": "%(caretaker)s hat deine Projektfreigabe für %(projects)s angenommen.",
    "release.declined": "%(caretaker)s hat deine Projektfreigabe für %(projects)s abgelehnt.",
    "release.undeliverable": "E-Mail konnte nicht zugestellt werden: Die Projektfreigabe an %(email)s kam nicht an.",
    "releases.lapsed": (
        "Ein Freigabe-Link ist abgelaufen, ohne angenommen zu werden. Du kannst ihn neu senden.",
        "%(n)s Freigabe-Links sind abgelaufen, ohne angenommen zu werden. Du kannst sie neu senden.",
    ),
    "caretakership.revoked": "%(owner)s hat deine Betreuung von %(project)s widerrufen.",
    "caretakership.ended": "%(caretaker)s betreut %(project)s nicht mehr.",
    "caretakership.expiry_changed": "%(owner)s hat deine Betreuung von %(project)s geändert: sie gilt jetzt bis %(day)s.",
    "caretakership.scope_changed": "%(owner)s hat den Umfang deiner Betreuung von %(project)s geändert: %(scope)s.",
    "caretakership.ended_by_staff": "Der Support hat die Betreuung von %(project)s durch %(caretaker)s beendet.",
    "caretakerships.expired.owner": (
        "Die technische Betreuung eines Projekts ist abgelaufen.",
        "Die technische Betreuung von %(n)s Projekten ist abgelaufen.",
    ),
    "caretakerships.expired.caretaker": (
        "Deine Betreuung eines Projekts ist abgelaufen.",
        "Deine Betreuung von %(n)s Projekten ist abgelaufen.",
    ),
    "caretakerships.ending.owner": (
        "Eine technische Betreuung deiner Projekte endet am %(date)s.",
        "%(n)s technische Betreuungen deiner Projekte enden bis zum %(date)s.",
    ),
    "caretakerships.ending.caretaker": (
        "Eine deiner Betreuungen endet am %(date)s.",
        "%(n)s deiner Betreuungen enden bis zum %(date)s.",
    ),
    "ticket.answered": "Der Support hat auf dein Ticket #%(id)s „%(subject)s“ (%(project)s) geantwortet.",
}
SCOPES = ["Technische Verwaltung", "Nur lesen"]
BATCH = 1000


def patterns():
    """(kind, regular expression, the count a singular without %(n)s stands for), German and English."""
    found = []
    for language in ("de", "en"):
        with translation.override(language):
            for kind, sentence in SENTENCES.items():
                if isinstance(sentence, str):
                    found.append((kind, event_params.template_pattern(translation.gettext(sentence)), None))
                    continue
                for n in (1, 2):
                    written = translation.ngettext(*sentence, n)
                    found.append((kind, event_params.template_pattern(written), n))
    return found


def read(text, known):
    for kind, pattern, n in known:
        match = pattern.fullmatch(text)
        if match:
            params = {name: event_params.read(value, SCOPES) for name, value in match.groupdict().items()}
            if n is not None:
                params.setdefault("n", n)
            return kind, params
    return None


def to_kinds(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    known = patterns()
    changed = []
    for notification in Notification.objects.exclude(legacy_text="").only("legacy_text").iterator(chunk_size=BATCH):
        found = read(notification.legacy_text, known)
        if found:
            notification.kind, notification.params = found
            notification.legacy_text = ""
            changed.append(notification)
        if len(changed) >= BATCH:
            Notification.objects.bulk_update(changed, ["kind", "params", "legacy_text"])
            changed = []
    Notification.objects.bulk_update(changed, ["kind", "params", "legacy_text"])


def to_text(apps, schema_editor):
    """Back to finished German sentences."""
    Notification = apps.get_model("notifications", "Notification")
    changed = []
    with translation.override("de"):
        for notification in Notification.objects.exclude(kind="").iterator(chunk_size=BATCH):
            sentence = SENTENCES.get(notification.kind)
            params = event_params.texts(notification.params)
            if isinstance(sentence, tuple):
                sentence = sentence[0] if params.get("n") == 1 else sentence[1]
            notification.legacy_text = (sentence % params if sentence else notification.kind)[:500]
            changed.append(notification)
            if len(changed) >= BATCH:
                Notification.objects.bulk_update(changed, ["legacy_text"])
                changed = []
    Notification.objects.bulk_update(changed, ["legacy_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0005_notification_concerns"),
    ]

    operations = [
        migrations.RenameField(model_name="notification", old_name="text", new_name="legacy_text"),
        migrations.AlterField(
            model_name="notification",
            name="legacy_text",
            field=models.CharField(blank=True, max_length=500, verbose_name="Nachricht"),
        ),
        migrations.AddField(
            model_name="notification",
            name="kind",
            field=models.CharField(blank=True, max_length=48, verbose_name="Art"),
        ),
        migrations.AddField(
            model_name="notification",
            name="params",
            field=models.JSONField(blank=True, default=dict, verbose_name="Angaben"),
        ),
        migrations.RunPython(to_kinds, to_text),
    ]
