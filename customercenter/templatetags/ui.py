from functools import lru_cache

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()

# Stands in for the key while a row URL is reversed once; digits, as <int:pk> wants.
_KEY = 918273645546372819


@register.simple_tag(takes_context=True)
def page_url(context, param: str, number: int) -> str:
    """The current query string with one page parameter changed, so other pagers keep their page."""
    query = context["request"].GET.copy()
    query[param] = number
    return f"?{query.urlencode()}"


@register.simple_tag
def row_url(name: str, pk: int) -> str:
    """`{% url name pk %}` for the rows of a list: URLs whose one argument is a row's key.

    A list reverses the same URL for every row, and reversing is a large part of rendering a
    row with forms; this reverses each URL once per process and puts the key in.
    """
    head, tail = _row_url_parts(name, get_script_prefix(), get_urlconf())
    return f"{head}{int(pk)}{tail}"


@lru_cache(maxsize=128)
def _row_url_parts(name: str, script_prefix: str, urlconf: str | None) -> tuple[str, str]:
    head, tail = reverse(name, args=[_KEY], urlconf=urlconf).split(str(_KEY))
    return head, tail
