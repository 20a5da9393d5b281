from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """DRF's handler, plus Django ValidationErrors from services turned into 400s, Django's
    refusals of a body (too large: 413; too many fields: 400) in JSON, a 404 that
    never tells whether the object exists elsewhere, and a 403 of ``tenancy.fetch`` that keeps its
    words."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": " ".join(exc.messages)}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, RequestDataTooBig):
        exc = exceptions.APIException(_("The request body is too large."))
        exc.status_code = 413
    elif isinstance(exc, SuspiciousOperation):  # e.g. a form of more fields than Django reads: Django's HTML 400
        exc = exceptions.ParseError(_("The request body could not be read: %(reason)s") % {"reason": exc})
    elif isinstance(exc, PermissionDenied) and exc.args:
        exc = exceptions.PermissionDenied(str(exc.args[0]))
    elif isinstance(exc, exceptions.NotAuthenticated):
        exc = exceptions.NotAuthenticated(
            _("No credentials: send the header “Authorization: Bearer <key>” with your organization's API key.")
        )
    return drf_exception_handler(exc, context)
