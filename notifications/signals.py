from django.dispatch import Signal

# Sent with `email` (an OutboxEmail) when the provider refused or bounced it, so the
# app that caused the mail can show it where it matters (e.g. a release's owner).
email_undeliverable = Signal()
