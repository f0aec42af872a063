from django import template

from courses.sanitize import render_html

register = template.Library()


@register.filter
def rich_text(value: str | None):
    """`{{ lesson.body|rich_text }}`: sanitised HTML, safe to output."""
    return render_html(value)


@register.filter
def minutes(value: int | None) -> str:
    from django.utils.translation import gettext

    return gettext("%(n)s min") % {"n": value or 0}
