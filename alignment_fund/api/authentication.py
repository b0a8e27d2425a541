"""Token sign-in for the API, carrying whether the token's holder gave their second factor when it was issued."""

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


class VerifiedTokenAuthentication(TokenAuthentication):
    """Token sign-in that carries the second factor given when the token was issued (see `VerifiedToken`)."""

    def authenticate_credentials(self, key):
        # A key is 40 printable characters at most (DRF makes 40 hex digits); anything else is no key, and is not
        # looked up: PostgreSQL refuses a NUL byte in a query with an error.
        if len(key) > Token._meta.get_field("key").max_length or not key.isprintable():
            raise exceptions.AuthenticationFailed("Invalid token.")
        # DRF's own look-up, joined to the mark in the same one query.
        try:
            token = Token.objects.select_related("user", "verified").get(key=key)
        except Token.DoesNotExist as exc:
            raise exceptions.AuthenticationFailed("Invalid token.") from exc
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        user, verified = token.user, hasattr(token, "verified")
        user.otp_device = "api-token" if verified else None
        user.is_verified = lambda: verified
        return user, token
