from rest_framework.permissions import SAFE_METHODS, BasePermission

from alignment_fund.access import is_administrator


class AdministratorsWrite(BasePermission):
    """Anyone allowed to read may read; only fund administrators record money movements."""

    message = "Only fund administrators can record this."

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or is_administrator(request.user)

    def refuses(self, method: str) -> bool:
        """Whether a request with this method can be refused (for the schema's 403)."""
        return method not in SAFE_METHODS


class FundersAndAdministrators(BasePermission):
    """Contributions and the pool are for administrators and funders' contacts: a researcher has no funder figures
    to see, and is told so rather than shown an empty list."""

    message = "Only fund administrators and funders' contacts can see this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return is_administrator(user) or bool(user and user.is_authenticated and user.funder_id is not None)
