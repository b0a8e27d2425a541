def navigation(request) -> dict:
    """The signed-in user's role, for the frame's navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_role": None}
    return {"nav_role": user.role}
