from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from lms.api.exceptions import error_response
from lms.api.parsers import JSONParser
from lms.audit import AuditAction, audit_log_record
from lms.security import lockout_message


class ObtainTokenView(APIView):
    """Exchange a username and password for an API token (send it as `Authorization: Token <key>`)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    # Scripts log in with a plain form post as often as with JSON.
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    throttle_scope = "login"

    @extend_schema(
        request=AuthTokenSerializer,
        responses={200: inline_serializer("TokenOut", {"token": serializers.CharField()})},
    )
    def post(self, request):
        # The Django request, so the login throttle (django-axes) sees and flags the same object the middleware does.
        django_request = request._request
        serializer = AuthTokenSerializer(data=request.data, context={"request": django_request})
        valid = serializer.is_valid()
        if getattr(django_request, "axes_locked_out", False):
            return error_response("too_many_login_attempts", lockout_message(), 429)
        if not valid:
            missing = {
                name: errors
                for name, errors in serializer.errors.items()
                if any(getattr(e, "code", "") in ("required", "blank", "null") for e in errors)
            }
            if missing:  # a field is missing or empty: 400; anything else is a failed login
                return error_response(
                    "invalid",
                    _("The submitted data is not valid."),
                    400,
                    {k: [str(m) for m in v] for k, v in missing.items()},
                )
            # Well-formed but wrong credentials: 401, like any other failed authentication.
            response = error_response(
                "invalid_credentials", _("Unable to log in with the given username and password."), 401
            )
            response["WWW-Authenticate"] = "Token"
            return response
        user = serializer.validated_data["user"]
        token, _created = Token.objects.get_or_create(user=user)
        audit_log_record(actor=user, action=AuditAction.TOKEN_ISSUED, obj=user, request=django_request)
        return Response({"token": token.key}, status=status.HTTP_200_OK)
