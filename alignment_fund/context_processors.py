from dataclasses import dataclass

from django.urls import reverse

from alignment_fund.models import User


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool
    testid: str


# Each role's navigation: (label, url name, the path prefixes that mark it as the current section).
# A section's prefix wins over a shorter one, so /portfolio/waitlist/ lights up "Waitlist", not "Portfolio".
NAVIGATION = {
    User.Role.ADMINISTRATOR: [
        ("Portfolio", "grants:portfolio"),
        ("Waitlist", "grants:waitlist"),
        ("Calendar", "grants:calendar"),
        ("Activity", "grants:activity"),
        ("Back office", "admin:index"),
        ("API docs", "api-docs"),
    ],
    User.Role.FUNDER: [("Dashboard", "funder:dashboard")],
    User.Role.RESEARCHER: [("My awards", "researcher:my_awards")],
}


def _role(request) -> str | None:
    """The user's role, worked out once per request (it can cost a query or two)."""
    if not hasattr(request, "_nav_role"):
        user = getattr(request, "user", None)
        request._nav_role = user.role if user is not None and user.is_authenticated else None
    return request._nav_role


def navigation(request) -> dict:
    """The signed-in user's role and the frame's navigation for it."""
    role = _role(request)
    if role is None:
        return {"nav_role": None, "nav_role_label": "", "nav_items": []}
    links = [(label, reverse(name)) for label, name in NAVIGATION.get(role, [])]
    # The current section is the longest link that the path starts with.
    current = max((url for _, url in links if request.path.startswith(url)), key=len, default=None)
    items = [NavItem(label, url, url == current, "nav-" + label.lower().replace(" ", "-")) for label, url in links]
    return {"nav_role": role, "nav_role_label": User.Role(role).label, "nav_items": items}
