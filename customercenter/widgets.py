"""Text inputs and selects that write their HTML in Python.

Django renders a widget through its template engine: an input is two template includes, a
select two more per option. That costs 0.1–0.2 ms per field, the larger part of a page with
a few small forms. These widgets write the same HTML directly; attributes, the formatted
value and which option is selected still come from Django's `get_context()`.
"""

from __future__ import annotations

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


def html_attributes(attrs: dict) -> SafeString:
    """Attributes as Django's attrs.html writes them: True as a bare name, False left out."""
    return format_html_join(
        "",
        " {}{}",
        (
            (name, "" if value is True else format_html('="{}"', value))
            for name, value in attrs.items()
            if value is not False
        ),
    )


class TextInput(forms.TextInput):
    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        value_attribute = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
        return format_html(
            '<input type="{}" name="{}"{}{}>',
            widget["type"],
            widget["name"],
            value_attribute,
            html_attributes(widget["attrs"]),
        )


class Select(forms.Select):
    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        groups = format_html_join(
            "", "{}", ((self._group(label, options),) for label, options, _ in widget["optgroups"])
        )
        return format_html(
            '<select name="{}"{}>{}\n</select>', widget["name"], html_attributes(widget["attrs"]), groups
        )

    @staticmethod
    def _group(label: str | None, options: list[dict]) -> SafeString:
        html = format_html_join(
            "",
            '\n  <option value="{}"{}>{}</option>',
            ((option["value"], html_attributes(option["attrs"]), option["label"]) for option in options),
        )
        if label:
            return format_html('\n  <optgroup label="{}">{}\n  </optgroup>', label, html)
        return html
