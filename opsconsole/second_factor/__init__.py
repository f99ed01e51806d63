"""A second factor at sign-in, with django-otp: a code from an authenticator app (TOTP), or once
each, one of ten recovery codes.

Signing in takes two steps. The password step is Django admin's login form, behind django-axes as
before; a right password does not sign the person in, it leads to the code step (`pending.py`).
Someone with no authenticator yet enrols there first: a QR code and the key as text, confirmed
with a code, then their recovery codes shown once. Only a right code signs the person in, with
the device that verified them kept in the session; the console's admin site opens its pages to
verified sessions only (`opsconsole/admin_site.py`). Wrong codes count with wrong passwords
towards the lockout (`lockout.py`). A superuser can reset a person's second factor, which makes
them enrol again (`services.second_factor_reset`).
"""
