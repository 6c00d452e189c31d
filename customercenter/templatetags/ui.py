from django import template
from django.forms import BoundField
from django.forms.widgets import CheckboxInput, RadioSelect, Select, SelectMultiple

register = template.Library()


@register.filter
def control(field: BoundField) -> str:
    """Render a field's widget with the Bootstrap class that fits it, marked invalid on errors."""
    widget = field.field.widget
    if isinstance(widget, CheckboxInput | RadioSelect):
        css = "form-check-input"
    elif isinstance(widget, Select | SelectMultiple):
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    attrs = {"class": css}
    if field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}_errors"
    elif field.help_text:
        attrs["aria-describedby"] = f"{field.auto_id}_help"
    return field.as_widget(attrs=attrs)


@register.filter
def until(expires_at):
    """The last day of access for an expiry stored as the first moment after it."""
    from delegation.rules import last_day

    return last_day(expires_at)


@register.simple_tag(takes_context=True)
def page_url(context, param: str, number: int) -> str:
    """The current query string with one page parameter changed, so other pagers keep their page."""
    query = context["request"].GET.copy()
    query[param] = number
    return f"?{query.urlencode()}"
