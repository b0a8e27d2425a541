"""JSON request bodies that are valid Unicode text."""

import json

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing a body with an unpaired surrogate (`"\\ud800"`) with a 400.

    JSON's escapes can spell half of a UTF-16 pair, which is no character: Python reads it, but it cannot be written
    out as UTF-8 again, so a refusal that quoted it (an unknown field, a currency that is not one) answered 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ParseError(
                "JSON parse error - the body holds half of a UTF-16 surrogate pair (such as \\ud800), which is no "
                "character: send valid Unicode text."
            ) from exc
        return data
