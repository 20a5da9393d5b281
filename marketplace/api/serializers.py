from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from ..models import Organization
from ..money import clean_currency


class StrictSerializerMixin:
    """Unknown fields are a 400 naming them, not silently ignored."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)


class CurrencyField(serializers.CharField):
    """An ISO 4217 code (``marketplace.money``), upper-cased: "usd" is stored as USD, "РУБ" refused."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_length", 3)
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("help_text", gettext_lazy("An ISO 4217 code, e.g. RUB, VND, USD."))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            return clean_currency(super().to_internal_value(data))
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["slug", "name", "kind"]


class MeSerializer(serializers.Serializer):
    organization = OrganizationSerializer()
