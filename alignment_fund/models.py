from django.contrib.auth.models import AbstractUser
from django.db import models


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
        if self.is_staff:
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
