from django import template

register = template.Library()


@register.filter
def qty(value) -> str:
    """A quantity without trailing zeros: 5.000 → 5, 2.500 → 2.5."""
    if value is None:
        return ""
    text = f"{value.normalize():f}" if hasattr(value, "normalize") else str(value)
    return text
