from django.contrib import admin

from alignment_fund.notifications.models import OutboxMessage, SwitchedOff


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Every message the fund sent or will send, with its state: a failure is shown here with its last error and
    the time of the next attempt, never dropped."""

    list_display = ("created_at", "to_email", "topic", "subject", "state", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("state", "topic")
    search_fields = ("to_email", "subject", "event_key")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["send_again"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Try the selected failed messages again now")
    def send_again(self, request, queryset):
        from django.utils import timezone

        count = queryset.filter(state=OutboxMessage.State.FAILED).update(
            state=OutboxMessage.State.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        self.message_user(request, f"{count} message(s) will be sent on the next run.")


@admin.register(SwitchedOff)
class SwitchedOffAdmin(admin.ModelAdmin):
    list_display = ("user", "topic")
    list_filter = ("topic",)
    search_fields = ("user__username", "user__email")
