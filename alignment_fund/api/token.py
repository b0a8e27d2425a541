"""Signing in to the API with a token: `POST /api/token/` with a username and password, and for an administrator
where STAFF_SECOND_FACTOR is on, the `code` from their authenticator app (or a recovery code). Too many failed
attempts lock the account for the cool-off, as on the sign-in page, and the answer is 429."""

from __future__ import annotations

from collections.abc import Mapping

from axes.exceptions import AxesBackendPermissionDenied
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django_otp import match_token
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from alignment_fund.api.parsers import JSONParser
from alignment_fund.api.schema import error, field_errors
from alignment_fund.models import User, VerifiedToken

LOCKED_OUT = "Too many failed sign-ins for this account: try again after the cool-off."
CODE_NEEDED = "Administrators give the code from their authenticator app (or a recovery code) as `code`."


# The longest name a user can have: a longer one is refused with a 400 before it reaches django-axes, which would
# record the failed attempt under it and overflow the column (a 500 on PostgreSQL).
USERNAME_LENGTH = User._meta.get_field("username").max_length


class TokenRequestSerializer(AuthTokenSerializer):
    username = serializers.CharField(label="Username", write_only=True, max_length=USERNAME_LENGTH)
    code = serializers.CharField(
        required=False, allow_blank=True, write_only=True, help_text="Administrators: the second factor's code."
    )


class ObtainToken(ObtainAuthToken):
    serializer_class = TokenRequestSerializer
    # Signing in reads the credentials in the body and nothing else: a stale token or a session sent along is not
    # looked at, so it can neither refuse the request (a 401) nor ask for a CSRF token (a 403).
    authentication_classes = []
    parser_classes = [FormParser, MultiPartParser, JSONParser]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer("TokenAnswer", {"token": serializers.CharField()}),
            400: field_errors("Wrong credentials, or the second factor missing or wrong."),
            429: error("Locked out after too many failed sign-ins."),
        },
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        # A JSON body may be a list or a number, a name may hold a NUL byte or be longer than any user's: the
        # serializer refuses those with a 400, and only a name that could be a user's is looked up for a lockout
        # (PostgreSQL refuses a NUL byte in a query).
        data = request.data if isinstance(request.data, Mapping) else {}
        credentials = {"username": str(data.get("username", ""))}
        possible = credentials["username"].isprintable() and len(credentials["username"]) <= USERNAME_LENGTH
        if possible and AxesProxyHandler.is_locked(request._request, credentials):
            return self.locked_out()
        try:
            valid = serializer.is_valid()
        except AxesBackendPermissionDenied:
            return self.locked_out()
        if not valid:
            # django-axes marks the request that crossed the limit; its middleware sees only the plain request.
            if getattr(request, "axes_locked_out", False) or getattr(request._request, "axes_locked_out", False):
                return self.locked_out()
            return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
        user = serializer.validated_data["user"]
        needs_code = settings.STAFF_SECOND_FACTOR and user.is_staff
        if needs_code:
            code = (serializer.validated_data.get("code") or "").replace(" ", "")
            if not code or match_token(user, code) is None:
                return Response({"code": [CODE_NEEDED]}, status=status.HTTP_400_BAD_REQUEST)
        token, _ = Token.objects.get_or_create(user=user)
        if needs_code:
            VerifiedToken.objects.get_or_create(token=token)
        return Response({"token": token.key})

    def locked_out(self) -> Response:
        return Response({"detail": LOCKED_OUT}, status=status.HTTP_429_TOO_MANY_REQUESTS)


obtain_token = ObtainToken.as_view()
