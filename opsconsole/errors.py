"""The console's one application error: a refusal or failure a person can act on."""


class OpsError(Exception):
    """Raised with a message for people; `field` names the parameter at fault, if one is."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message

    @classmethod
    def from_recorded(cls, text: str, *, fields) -> "OpsError":
        """The error back from its recorded text (a refused run's outcome, written by `__str__`):
        `field: message` becomes a field error when `field` is one of `fields`."""
        field, separator, message = text.partition(": ")
        if separator and field in fields:
            return cls(message, field=field)
        return cls(text)
