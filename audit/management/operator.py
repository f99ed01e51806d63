"""Who runs a command, for the `archived_by` and `checked_by` of what it records."""

import getpass


def command_line_operator() -> str:
    """The operating-system account running the command; commands sign in as no console user."""
    try:
        return f"{getpass.getuser()} (command line)"
    except (KeyError, OSError):  # no login name in a bare container
        return "command line"
