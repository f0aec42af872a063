import html
import re

from django import template
from django.utils.html import linebreaks
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from courses.sanitize import render_html

register = template.Library()

# A value with no tag at all is plain text (typed before the editor, or imported); static/js/richtext.js uses the same.
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


@register.filter
def rich_text(value: str | None):
    """`{{ lesson.body|rich_text }}`: sanitised HTML, safe to output. A value without any tag is shown as the text it
    is: escaped, blank lines making paragraphs and single newlines line breaks ("**电话邀约**" stays those characters,
    never markup). The sanitiser on save escaped its "<" and "&", so those entities are read back first."""
    if value and not _TAG.search(value):
        return mark_safe(linebreaks(html.unescape(str(value)), autoescape=True))  # noqa: S308 - escaped by linebreaks
    return render_html(value)


@register.filter
def minutes(value: int | None) -> str:
    return gettext("%(n)s min") % {"n": value or 0}
