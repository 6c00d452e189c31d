"""German date formats of the product: Django's, with "Uhr" after a time of day."""

DATETIME_FORMAT = r"j. F Y, H:i \U\h\r"
SHORT_DATETIME_FORMAT = r"d.m.Y, H:i \U\h\r"
TIME_FORMAT = r"H:i \U\h\r"
