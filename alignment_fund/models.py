from django.contrib.auth.models import AbstractUser
from django.db import models
from simple_history import register

from alignment_fund.access import is_administrator


class User(AbstractUser):
    """A person who signs in: a fund administrator (staff), a funder's contact, or a researcher.

    The role is not stored here but follows from what the user is linked to: `is_staff` for administrators, a
    `funders.FunderContact` for funders' contacts, projects they lead for researchers.
    """

    class Role(models.TextChoices):
        ADMINISTRATOR = "administrator", "Fund administrator"
        FUNDER = "funder", "Funder contact"
        RESEARCHER = "researcher", "Researcher"
        NONE = "none", "No role yet"

    display_name = models.CharField(max_length=150, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def role(self) -> "User.Role":
        if is_administrator(self):
            return self.Role.ADMINISTRATOR
        if self.funder_id is not None:
            return self.Role.FUNDER
        if self.led_projects.exists():
            return self.Role.RESEARCHER
        return self.Role.NONE

    @property
    def funder_id(self) -> int | None:
        """The funder this user speaks for, if any (cached on the instance)."""
        if not hasattr(self, "_funder_id_cache"):
            contact = getattr(self, "funder_contact", None) if self.pk else None
            self._funder_id_cache = contact.funder_id if contact is not None else None
        return self._funder_id_cache


# Who changed a user's name, email, roles or active flag, and when. Sign-ins (last_login) and password hashes are left
# out: they are not the fund's records, and a row per sign-in would drown the activity log.
register(User, app="alignment_fund", excluded_fields=["password", "last_login"])


class IdempotencyRecord(models.Model):
    """The first successful answer to an API write that carried an `Idempotency-Key`, so that a client retrying
    the same request (after a timeout, say) gets that answer back instead of recording the money twice.

    Written in the same transaction as the write it remembers: either both exist or neither does. Keys are scoped
    per user, and a key belongs to one request: `request_hash` covers the method, the path and the body.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of the method, path and canonical JSON body.")
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} with key {self.key}"


class VerifiedToken(models.Model):
    """Marks an API token as issued after its holder gave their second factor (`/api/token/` with a code). Where
    STAFF_SECOND_FACTOR is on, an administrator's token counts as an administrator's only with this mark, so a token
    made any other way (in the back office, say) cannot stand in for the second factor."""

    token = models.OneToOneField("authtoken.Token", on_delete=models.CASCADE, primary_key=True, related_name="verified")
    verified_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"second factor given for {self.token.user} at {self.verified_at:%Y-%m-%d %H:%M}"
