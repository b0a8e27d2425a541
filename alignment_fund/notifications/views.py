"""Each person's notification preferences: switch off what is not essential."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from alignment_fund.notifications.models import SwitchedOff
from alignment_fund.notifications.topics import BY_ROLE, Topic, is_essential


def _topics_for(user) -> list[Topic]:
    role = str(user.role)
    return [Topic(t) for t in BY_ROLE.get(role, ())]


@login_required
def preferences(request):
    topics = _topics_for(request.user)
    off = set(SwitchedOff.objects.filter(user=request.user).values_list("topic", flat=True))
    if request.method == "POST":
        wanted = set(request.POST.getlist("on"))
        for topic in topics:
            if is_essential(topic):
                continue
            if topic in wanted:
                SwitchedOff.objects.filter(user=request.user, topic=topic).delete()
            else:
                SwitchedOff.objects.get_or_create(user=request.user, topic=topic)
        messages.success(request, "Your notification preferences are saved.")
        return redirect("notification_preferences")
    rows = [{"topic": t, "essential": is_essential(t), "on": is_essential(t) or t not in off} for t in topics]
    return render(request, "notifications/preferences.html", {"rows": rows})
