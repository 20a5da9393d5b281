from django.utils.translation import gettext as _
from rest_framework import serializers

from ..models import Organization


class StrictSerializerMixin:
    """Unknown fields are a 400 naming them, not silently ignored."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["slug", "name", "kind"]


class MeSerializer(serializers.Serializer):
    organization = OrganizationSerializer()
