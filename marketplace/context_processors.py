def tenancy(request):
    organization = getattr(request, "organization", None)
    return {
        "organization": organization,
        "membership": getattr(request, "membership", None),
        "memberships": getattr(request, "memberships", []),
        "is_buyer": bool(organization and organization.is_buyer),
        "is_supplier": bool(organization and organization.is_supplier),
    }
