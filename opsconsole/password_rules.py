"""Password rules of the console beyond Django's own validators."""

from django.core.exceptions import ValidationError

CONTAINS_USERNAME = "The password contains the username: choose one that does not."
# Shorter usernames are too likely to occur by chance in a long passphrase.
SHORTEST_USERNAME_CHECKED = 3


class UsernameNotInPasswordValidator:
    """Refuses a password that contains the username, in any case ("lead2lead2lead2" for
    lead2), which Django's similarity validator lets through once the password is long enough
    to look different as a whole."""

    def validate(self, password, user=None):
        username = (user.get_username() if user is not None else "").casefold()
        if len(username) >= SHORTEST_USERNAME_CHECKED and username in password.casefold():
            raise ValidationError(CONTAINS_USERNAME, code="password_contains_username")

    def get_help_text(self):
        return "Your password can't contain your username."
