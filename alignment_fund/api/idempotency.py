"""`Idempotency-Key` on API writes: a retried POST returns the first answer and writes nothing new.

A client that timed out cannot know whether its pledge was recorded. If it sent an `Idempotency-Key`, it can send
the same request again with the same key: the first successful answer is stored with the write, in the same
transaction, and a repeat gets that answer back (with `Idempotent-Replayed: true`). A key names one request: the
same key with another body or on another endpoint is refused with 422. Keys are per user. Only successful writes are
remembered, so a request refused with field errors can be corrected and sent again under the same key.
"""

from __future__ import annotations

import functools
import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from alignment_fund.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (a UUID, say), at most 255 characters. Repeating a request with the same key "
    "returns the first answer and records nothing new; the same key with a different request is refused with 422.",
)


def request_fingerprint(request) -> str:
    """SHA-256 of the method, the path and the body as canonical JSON (key order and spacing do not matter)."""
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(f"{request.method} {request.get_full_path()}\n{body}".encode()).hexdigest()


def _key_from(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise serializers.ValidationError(
            {HEADER: [f"An idempotency key is 1 to {MAX_KEY_LENGTH} printable characters, such as a UUID."]}
        )
    return key


def _replay(record: IdempotencyRecord, request, fingerprint: str) -> Response:
    if record.request_hash != fingerprint:
        return Response(
            {
                "detail": f"The idempotency key {record.key!r} was already used for another request "
                f"({record.method} {record.path} with a different body). A key names one request: send a new "
                "key with a new request."
            },
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    response = Response(record.response_body, status=record.response_status)
    response[REPLAYED_HEADER] = "true"
    return response


def idempotent(handler):
    """Make an API view's write method honour `Idempotency-Key` (see the module docstring)."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = _key_from(request)
        if key is None:
            return handler(view, request, *args, **kwargs)
        fingerprint = request_fingerprint(request)
        earlier = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
        if earlier is not None:
            return _replay(earlier, request, fingerprint)
        try:
            with transaction.atomic():
                response = handler(view, request, *args, **kwargs)
                if status.is_success(response.status_code):
                    IdempotencyRecord.objects.create(
                        user=request.user,
                        key=key,
                        method=request.method,
                        path=request.get_full_path()[:500],
                        request_hash=fingerprint,
                        response_status=response.status_code,
                        response_body=json.loads(JSONRenderer().render(response.data)),
                    )
        except (IntegrityError, ValidationError):
            # The same key arrived twice at once and the other request committed first: our write was refused (its
            # reference is now taken, or our record's key is) and rolled back, so the other's answer is the answer.
            # A refusal with no such twin is a real one, and stands.
            earlier = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
            if earlier is None:
                raise
            return _replay(earlier, request, fingerprint)
        return response

    wrapper.idempotent = True  # the schema documents the header and the 422 (alignment_fund/api/schema.py)
    return wrapper
