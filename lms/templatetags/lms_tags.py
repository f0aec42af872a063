from django import template

from lms.roles import ROLE_LABELS

register = template.Library()


@register.filter
def role_label(code: str) -> str:
    return str(ROLE_LABELS.get(code, code))
