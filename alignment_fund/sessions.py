"""Django's database sessions, reading only a session key Django could have made.

Django looks up whatever the session cookie holds if it is 8 characters or more: a cookie with a NUL byte in it
reached the query, and PostgreSQL's refusal was a 500 on every page and API call. Keys Django makes are 32
lower-case letters and digits; any other cookie is no session, as an expired one is.
"""

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS


class SessionStore(db.SessionStore):
    def _validate_session_key(self, key):
        return bool(super()._validate_session_key(key)) and len(key) <= 40 and set(key) <= set(VALID_KEY_CHARS)
