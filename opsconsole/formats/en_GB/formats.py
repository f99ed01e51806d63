"""British English formats as the console shows moments: Django's own, with the time zone named
after every time of day, since people read them in one zone and banks state theirs in another.
Everything not set here is Django's (FORMAT_MODULE_PATH falls back to it)."""

DATETIME_FORMAT = "j M Y, P T"
SHORT_DATETIME_FORMAT = "d/m/Y P T"
