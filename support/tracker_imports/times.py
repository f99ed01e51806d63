"""Moments as trackers' exports write them. Only formats that cannot be misread are accepted:
03/11/2026 is the 3rd of November to some teams and the 11th of March to others, so a date
written with numbers only in that order is refused rather than guessed."""

import datetime
import zoneinfo

# (strptime format, an example shown to people); tried in order after ISO 8601.
FORMATS = (
    ("%Y-%m-%d %H:%M:%S %z", "2026-11-03 09:12:45 +1100"),  # Zendesk
    ("%Y-%m-%d %H:%M %z", "2026-11-03 09:12 +1100"),
    ("%d/%b/%y %I:%M %p", "03/Nov/26 9:12 AM"),  # Jira
    ("%d/%b/%Y %I:%M %p", "03/Nov/2026 9:12 AM"),
    ("%d/%b/%y %H:%M", "03/Nov/26 09:12"),
    ("%d %b %Y %H:%M", "03 Nov 2026 09:12"),
    ("%d %B %Y %H:%M", "03 November 2026 09:12"),
)
ISO_EXAMPLE = "2026-11-03T09:12:45+11:00"
ACCEPTED = "; ".join([f"{ISO_EXAMPLE} (ISO 8601, also without a zone or a time)",
                      *(example for _, example in FORMATS)])
NOT_A_TIME = "“{value}” is not a date and time the import can read. It reads: {accepted}."


def export_time(value: str, *, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    """The moment `value` names; one written without a zone is read in `zone`. ValueError with
    the accepted formats when it is none of them."""
    text = " ".join(value.split())
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        moment = None
    for time_format, _ in FORMATS if moment is None else ():
        try:
            moment = datetime.datetime.strptime(text, time_format)
            break
        except ValueError:
            continue
    if moment is None:
        raise ValueError(NOT_A_TIME.format(value=value, accepted=ACCEPTED))
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)
