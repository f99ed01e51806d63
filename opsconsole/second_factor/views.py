"""The sign-in's pages: the password step (Django admin's login page, leading on to the second
step instead of signing in), the code step, enrolment on first sign-in, and the recovery codes,
shown once. They use the console's sign-in layout, as the login and lockout pages do.

A page of the second step whose attempt is refused by the lockout, or whose wrong code reaches
the limit, is answered with the lockout page by django-axes' middleware (lockout.py)."""

from base64 import b32encode
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import LoginView
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from opsconsole.errors import OpsError
from opsconsole.second_factor.forms import AuthenticatorCodeForm, RecoveryCodeForm, submitted_code_form
from opsconsole.second_factor.lockout import AUTHENTICATOR_CODE, RECOVERY_CODE, code_step_locked_out
from opsconsole.second_factor.pending import pending_person, pending_sign_in_begin, pending_sign_in_complete
from opsconsole.second_factor.qr_code import qr_code_svg
from opsconsole.second_factor.selectors import confirmed_authenticator
from opsconsole.second_factor.services import authenticator_enrol, authenticator_enrolment_start, second_factor_check

# Where the enrolment leaves the new recovery codes for the one page that shows them.
RECOVERY_CODES_SESSION_KEY = "second_factor_recovery_codes"
SIGN_IN_AGAIN = "Sign in again: the code step waits ten minutes after the password at most."
FEW_RECOVERY_CODES_LEFT = 3


def with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"


def next_url_of(request) -> str:
    """Where the person was going, if it is a page of this console; else the dashboard."""
    next_url = request.POST.get(REDIRECT_FIELD_NAME, request.GET.get(REDIRECT_FIELD_NAME, ""))
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return next_url
    return reverse("admin:index")


def back_to_the_password_step(request) -> HttpResponseRedirect:
    messages.info(request, SIGN_IN_AGAIN)
    return HttpResponseRedirect(with_next(reverse("admin:login"), next_url_of(request)))


def sign_in_page(request, template: str, context: dict):
    return render(request, f"opsconsole/second_factor/{template}",
                  {**admin.site.each_context(request), "next_url": next_url_of(request), **context})


class PasswordStepView(LoginView):
    """Django's admin login (opsconsole/admin_site.py serves it), except that a right password
    starts the second step instead of signing the person in."""

    def form_valid(self, form):
        pending_sign_in_begin(self.request, form.get_user())
        return HttpResponseRedirect(with_next(reverse("signin-code"), self.get_success_url()))


@never_cache
@sensitive_post_parameters()
def code_step_page(request):
    """The second step: a code from the authenticator app, or one of the recovery codes.
    Someone who has no authenticator yet is sent to enrol; a right code signs them in."""
    person = pending_person(request)
    if person is None:
        return back_to_the_password_step(request)
    if confirmed_authenticator(person=person) is None:
        return HttpResponseRedirect(with_next(reverse("signin-enrol"), next_url_of(request)))
    forms_shown = {form.second_factor: form for form in (AuthenticatorCodeForm(), RecoveryCodeForm())}
    if request.method == "POST":
        form = submitted_code_form(request.POST)
        forms_shown[form.second_factor] = form
        if not code_step_locked_out(request, person, form.second_factor) and form.is_valid():
            try:
                device = second_factor_check(request=request, person=person, code=form.cleaned_data["code"],
                                             second_factor=form.second_factor)
            except OpsError as problem:
                form.add_error(None, problem.message)
            else:
                pending_sign_in_complete(request, person, device)
                if form.second_factor == RECOVERY_CODE:
                    tell_recovery_codes_left(request, device.token_set.count())
                return HttpResponseRedirect(next_url_of(request))
    return sign_in_page(request, "code_step.html", {
        "title": "Second step", "person": person, "code_form": forms_shown[AUTHENTICATOR_CODE],
        "recovery_form": forms_shown[RECOVERY_CODE],
    })


def tell_recovery_codes_left(request, remaining: int) -> None:
    if remaining > FEW_RECOVERY_CODES_LEFT:
        messages.info(request, f"You signed in with a recovery code. {remaining} are left.")
    else:
        messages.warning(request, f"You signed in with a recovery code; {remaining} left. Ask a superuser to reset "
                                  f"your second factor: you then set up your phone again and get new codes.")


@never_cache
@sensitive_post_parameters()
def enrolment_page(request):
    """First sign-in: the authenticator's key as a QR code and as text, confirmed with a code it
    shows; then the person is signed in and their recovery codes are shown, once."""
    person = pending_person(request)
    if person is None:
        return back_to_the_password_step(request)
    if confirmed_authenticator(person=person) is not None:
        return HttpResponseRedirect(with_next(reverse("signin-code"), next_url_of(request)))
    authenticator = authenticator_enrolment_start(person=person)
    form = AuthenticatorCodeForm(request.POST or None)
    if request.method == "POST" and not code_step_locked_out(request, person, AUTHENTICATOR_CODE) and form.is_valid():
        try:
            enrolment = authenticator_enrol(request=request, person=person, code=form.cleaned_data["code"])
        except OpsError as problem:
            form.add_error(None, problem.message)
        else:
            pending_sign_in_complete(request, person, enrolment.authenticator)
            request.session[RECOVERY_CODES_SESSION_KEY] = enrolment.recovery_codes
            return HttpResponseRedirect(with_next(reverse("signin-recovery-codes"), next_url_of(request)))
    key = b32encode(authenticator.bin_key).decode()
    return sign_in_page(request, "enrolment.html", {
        "title": "Set up your authenticator app", "person": person, "code_form": form,
        "qr_code": qr_code_svg(authenticator.config_url, title=f"QR code of the key for {person.get_username()}"),
        "key_groups": [key[start:start + 4] for start in range(0, len(key), 4)],
    })


@never_cache
def recovery_codes_page(request):
    """The recovery codes just issued, once: they leave the session as the page is made, and the
    page is not cached. Served behind the admin site's check: the person is signed in by now."""
    recovery_codes = request.session.pop(RECOVERY_CODES_SESSION_KEY, None)
    if not recovery_codes:
        return HttpResponseRedirect(next_url_of(request))
    return sign_in_page(request, "recovery_codes.html", {"title": "Your recovery codes",
                                                          "recovery_codes": recovery_codes})
