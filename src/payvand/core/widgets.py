"""Form widgets that render long option lists fast.

Django renders every <option> through a template; a country list of 250 options then
costs tens of milliseconds per page. These widgets build the same markup in Python
(escaped with format_html), for the long lists only.
"""

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


class _FastOptions:
    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        selected = {str(v) for v in self.format_value(value) if v is not None}

        def options(choices):
            return format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (
                    (key, mark_safe(" selected") if str(key) in selected else "", label)
                    for key, label in choices
                ),
            )

        # A choice whose "label" is a list of choices is a group (an <optgroup>).
        options = mark_safe(
            "".join(
                format_html('<optgroup label="{}">{}</optgroup>', key, options(label))
                if isinstance(label, list | tuple)
                else options([(key, label)])
                for key, label in self.choices
            )
        )
        flat = forms.utils.flatatt(
            {**final, "name": name, **({"multiple": True} if self.allow_multiple_selected else {})}
        )
        return format_html("<select{}>{}</select>", flat, options)


class FastSelect(_FastOptions, forms.Select):
    pass


class FastSelectMultiple(_FastOptions, forms.SelectMultiple):
    pass
