from django import template
from django.utils.translation import gettext

from courses.sanitize import render_html

register = template.Library()


@register.filter
def rich_text(value: str | None):
    """`{{ lesson.body|rich_text }}`: sanitised HTML, safe to output."""
    return render_html(value)


@register.filter
def minutes(value: int | None) -> str:
    return gettext("%(n)s min") % {"n": value or 0}
