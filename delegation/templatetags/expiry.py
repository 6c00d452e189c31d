from django import template

from delegation import expiry

register = template.Library()


@register.filter
def last_day(expires_at):
    """`{{ care.expires_at|last_day|date:"SHORT_DATE_FORMAT" }}`: the last day of access."""
    return expiry.last_day(expires_at)


@register.filter
def ends_soon(expires_at) -> bool:
    """True within the last 14 days of access: the badge turns to a warning colour."""
    return expiry.ends_soon(expires_at)
