"""A second factor for administrators (django-otp): a code from an authenticator app (TOTP), or one of ten
single-use recovery codes. Required for staff when STAFF_SECOND_FACTOR is on (always under PRODUCTION).

Enrolment: a staff member signs in with their password, is sent to the set-up page, scans the QR code (or types
the key) into an authenticator app, and confirms with the code it shows; they are then given their recovery codes,
once. From then on each sign-in asks for a code after the password.
"""

from __future__ import annotations

from base64 import b32encode

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODES = 10
WRONG_CODE = (
    "That code is not right, or it was used already. Try the next code your app shows, or one of your recovery codes."
)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=16,
        help_text="The six digits your authenticator app shows now, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


def _staff_only(request) -> None:
    if not (request.user.is_active and request.user.is_staff):
        raise Http404("No such page.")


def _has_app(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@login_required
def verify(request):
    """After the password: the code."""
    _staff_only(request)
    if request.user.is_verified():
        return redirect(_next(request))
    if not _has_app(request.user):
        return redirect(f"{_setup_url()}?{urlencode({'next': _next(request)})}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"].replace(" ", ""))
        if device is not None:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(request, f"You used a recovery code; {left} left. Set up a new app if you lost yours.")
            return redirect(_next(request))
        form.add_error("code", WRONG_CODE)
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _next(request)})


@login_required
def setup(request):
    """Enrol an authenticator app. Someone who has one already must pass it first to replace it."""
    _staff_only(request)
    if _has_app(request.user) and not request.user.is_verified():
        return redirect(f"{_verify_url()}?{urlencode({'next': request.get_full_path()})}")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first() or TOTPDevice.objects.create(
        user=request.user, name="Authenticator app", confirmed=False
    )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].replace(" ", "")):
            codes = _enrol(request.user, device)
            otp_login(request, device)
            return render(request, "registration/two_factor_codes.html", {"codes": codes, "next": _next(request)})
        form.add_error("code", WRONG_CODE)
    context = {
        "form": form,
        "next": _next(request),
        "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#1f2a44"),
        "secret": b32encode(device.bin_key).decode(),
        "replacing": _has_app(request.user),
    }
    return render(request, "registration/two_factor_setup.html", context)


def _enrol(user, device: TOTPDevice) -> list[str]:
    """Confirm the new app (retiring any earlier one) and issue fresh recovery codes."""
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    recovery, _ = StaticDevice.objects.get_or_create(user=user, name="Recovery codes")
    recovery.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=recovery, token=code) for code in codes)
    return codes


def _setup_url() -> str:
    return reverse("two_factor_setup")


def _verify_url() -> str:
    return reverse("two_factor")
