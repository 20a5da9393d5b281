from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..bodies import body_problem


def exception_handler(exc, context):
    """DRF's handler, plus Django ValidationErrors from services turned into 400s, a 404 that
    never tells whether the object exists elsewhere, a 403 of ``tenancy.fetch`` that keeps its
    words, and a body Django could not take (too big, too many fields) in the same JSON."""
    problem = body_problem(exc)
    if problem is not None:
        return Response({"detail": problem[1]}, status=problem[0])
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": " ".join(exc.messages)}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, SuspiciousOperation):  # e.g. a form of more fields than Django reads: Django's HTML 400
        exc = exceptions.ParseError(_("The request body could not be read: %(reason)s") % {"reason": exc})
    elif isinstance(exc, PermissionDenied) and exc.args:
        exc = exceptions.PermissionDenied(str(exc.args[0]))
    elif isinstance(exc, exceptions.NotAuthenticated):
        exc = exceptions.NotAuthenticated(
            _("No credentials: send the header “Authorization: Bearer <key>” with your organization's API key.")
        )
    return drf_exception_handler(exc, context)
