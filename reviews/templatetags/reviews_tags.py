"""Small template helpers of the review pages."""

from django import template

from archives.models import DeterminationSubject

register = template.Library()


@register.filter
def get_item(mapping, key):
    if mapping is None:
        return None
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def subject_label(value: str) -> str:
    try:
        return DeterminationSubject(value).label
    except ValueError:
        return value
