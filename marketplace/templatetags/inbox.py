from django import template

from marketplace import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def inbox_unread(context) -> int:
    """Unread inbox lines of the person in the active organization (one COUNT query per page)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    organization = getattr(request, "organization", None)
    if user is None or not user.is_authenticated or organization is None:
        return 0
    return selectors.unread_count(user=user, organization=organization)
