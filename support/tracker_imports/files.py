"""An uploaded export read as text and split into rows, or refused with a message that says what
is wrong with the file: too large, empty, not CSV, in an encoding it does not say."""

import csv
import io

from django.conf import settings

from opsconsole.errors import OpsError

AUTOMATIC = "auto"
# What the person may choose; "auto" tries UTF-8 (with or without a byte order mark), UTF-16 (by
# its byte order mark) and then Windows-1252, the encoding of spreadsheets saved on Windows.
ENCODINGS = {
    AUTOMATIC: "Work it out (UTF-8, UTF-16 or Windows-1252)",
    "utf-8": "UTF-8",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252 (Western European)",
    "latin-1": "ISO-8859-1 (Latin-1)",
}
ENCODING_NAMES = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "utf-16": "UTF-16", "cp1252": "Windows-1252",
                  "latin-1": "ISO-8859-1"}

EMPTY_FILE = "The file is empty."
NO_ROWS = "The file has column names but no rows."
TOO_LARGE = "The file is {size}; files of up to {limit} can be imported: split it and import each part."
NOT_IN_ENCODING = ("The file is not {encoding} (byte {byte} at position {position} is not a character in it): "
                   "choose the encoding it was saved in.")
NOT_DETECTED = ("The file is neither UTF-8, UTF-16 nor Windows-1252 (byte {byte} at position {position}): "
                "choose the encoding it was saved in.")
NOT_CSV = "The file is not a CSV file the import can read: {problem}."
BLANK_HEADER = "Column {number} has no name: every column needs one in the first row."
REPEATED_HEADER = "Two columns are called “{name}”: rename one of them."


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def export_size_check(size: int) -> None:
    """OpsError(field="file") for a file too large to import, before any of it is read."""
    if size > settings.SUPPORT_IMPORT_MAX_BYTES:
        raise OpsError(TOO_LARGE.format(size=megabytes(size), limit=megabytes(settings.SUPPORT_IMPORT_MAX_BYTES)),
                       field="file")


def export_decode(data: bytes, encoding: str = AUTOMATIC) -> tuple[str, str]:
    """The file's text and the encoding it was read in, or OpsError naming the field at fault."""
    if not data:
        raise OpsError(EMPTY_FILE, field="file")
    export_size_check(len(data))
    if encoding != AUTOMATIC:
        codec = "utf-8-sig" if encoding == "utf-8" else encoding
        try:
            return data.decode(codec), encoding
        except UnicodeDecodeError as error:
            raise OpsError(NOT_IN_ENCODING.format(encoding=ENCODINGS.get(encoding, encoding),
                                                  byte=f"0x{data[error.start]:02X}", position=error.start),
                           field="encoding") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as error:
        raise OpsError(NOT_DETECTED.format(byte=f"0x{data[error.start]:02X}", position=error.start),
                       field="encoding") from None


def export_rows(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The column names and the rows, each with its number in the file (the names are row 1;
    a row is a record, however many lines its quoted cells span). Blank rows are left out."""
    if "\x00" in text:
        raise OpsError(NOT_CSV.format(problem="it holds NUL characters, as a spreadsheet's own format does; "
                                              "save it as CSV"), field="file")
    try:
        records = csv.reader(io.StringIO(text, newline=""))
        headers = next(records, None)
        if headers is None or not any(cell.strip() for cell in headers):
            raise OpsError(EMPTY_FILE, field="file")
        headers = [header.strip() for header in headers]
        while headers and not headers[-1]:  # a spreadsheet's trailing empty columns
            headers.pop()
        rows = [(number, row) for number, row in enumerate(records, start=2) if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise OpsError(NOT_CSV.format(problem=error), field="file") from None
    seen = set()
    for number, header in enumerate(headers, start=1):
        if not header:
            raise OpsError(BLANK_HEADER.format(number=number), field="file")
        if header.casefold() in seen:
            raise OpsError(REPEATED_HEADER.format(name=header), field="file")
        seen.add(header.casefold())
    if not rows:
        raise OpsError(NO_ROWS, field="file")
    return headers, rows


def column_values(*, headers: list[str], rows, column: str) -> list[str]:
    """The different values of `column`, in the order they first appear (case and spaces as the
    first row has them; matched without regard to either)."""
    index = headers.index(column)
    seen = {}
    for _, cells in rows:
        value = " ".join(cells[index].split()) if index < len(cells) else ""
        if value and value.casefold() not in seen:
            seen[value.casefold()] = value
    return list(seen.values())
