"""The back office's users: administrators (staff), funders' contacts and researchers, and what role each has."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from alignment_fund.admin import HistoryAdmin
from alignment_fund.models import User
from funders.models import FunderContact
from projects.models import Project


class FunderContactInline(admin.StackedInline):
    model = FunderContact
    fk_name = "user"
    max_num = 1
    extra = 0
    autocomplete_fields = ["funder"]
    verbose_name = "speaks for a funder"
    verbose_name_plural = "speaks for a funder"


class RoleFilter(admin.SimpleListFilter):
    title = "role"
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return User.Role.choices

    def queryset(self, request, queryset):
        value = self.value()
        contact = Q(funder_contact__isnull=False)
        leads = Q(leads_projects=True)
        if value == User.Role.ADMINISTRATOR:
            return queryset.filter(is_staff=True)
        if value == User.Role.FUNDER:
            return queryset.filter(contact, is_staff=False)
        if value == User.Role.RESEARCHER:
            return queryset.filter(leads, is_staff=False, funder_contact__isnull=True)
        if value == User.Role.NONE:
            return queryset.filter(is_staff=False, funder_contact__isnull=True, leads_projects=False)
        return queryset


@admin.register(User)
class BackOfficeUserAdmin(HistoryAdmin, UserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("display_name", "first_name", "last_name", "email")}),
        (
            _("Permissions"),
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
                "description": "Staff users are fund administrators: they see everything and use this back office. "
                "A funder's contact is linked below; a researcher is the lead of a project.",
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    list_display = ("username", "display_name", "email", "role_shown", "funder_shown", "is_active", "last_login")
    list_filter = (RoleFilter, "is_staff", "is_superuser", "is_active")
    search_fields = ("username", "display_name", "first_name", "last_name", "email")
    list_select_related = ("funder_contact__funder",)
    inlines = [FunderContactInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Every user appears in the history (their own account's creation at least), which is append-only: deleting
        # them would blank their name in it. Untick "active" instead.
        return False

    def get_queryset(self, request):
        leads = Project.objects.filter(lead=OuterRef("pk"))
        return super().get_queryset(request).annotate(leads_projects=Exists(leads))

    @admin.display(description="role")
    def role_shown(self, user: User) -> str:
        # From the annotation and the joined contact: `user.role` would ask the database once per row.
        if user.is_staff:
            return User.Role.ADMINISTRATOR.label
        if getattr(user, "funder_contact", None) is not None:
            return User.Role.FUNDER.label
        if getattr(user, "leads_projects", False):
            return User.Role.RESEARCHER.label
        return User.Role.NONE.label

    @admin.display(description="funder", ordering="funder_contact__funder__name")
    def funder_shown(self, user: User) -> str:
        contact = getattr(user, "funder_contact", None)
        return contact.funder.name if contact is not None else "—"
