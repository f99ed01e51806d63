"""CSV import and export of tickets and bugs (django-import-export), so the team can move off its
old tracker. Rows are matched on their reference or id, so importing the same file twice updates
rather than duplicates."""

from copy import copy

from django.core.exceptions import ValidationError
from django.utils import timezone
from import_export import fields, resources, widgets
from import_export.instance_loaders import CachedInstanceLoader

from accounts.models import Platform
from audit.imports import RecordedImportMixin
from opsconsole.bulk_history import CHANGED, CREATED, history_rows_write
from opsconsole.platform_access import restrict_to_user_platforms
from support.models import Bug, Ticket, TicketMessage

# A person limited to some platforms imports into those only: another platform's ticket or
# platform reads exactly like a missing one, so that an import tells nobody what exists there.
UNKNOWN_PLATFORM = "There is no platform with client id {client_id}."
UNKNOWN_TICKET = "There is no ticket {reference}."
REFERENCE_IN_USE = "{reference} is already in use: give the ticket another reference."
REFERENCE_REPEATED = "{reference} is also on row {row} of this file: each ticket may appear once."
IMPORTED_FROM = "Imported from {file_name}"
IMPORTER_REQUIRED = "Notes are imported by a person: say who imports them."
NOTE_ALREADY_RECORDED = ("Note {id} is already recorded, differently: notes are never rewritten. Leave the id "
                         "out to add this one as a new note.")


class PlatformByClientIdWidget(widgets.ForeignKeyWidget):
    """A platform by its client id, from the platforms a file names, read in one query before
    its rows (`load`) instead of one query a row."""

    def __init__(self):
        super().__init__(Platform, field="client_id")
        self.platforms: dict[str, Platform] | None = None

    def load(self, client_ids, *, user=None) -> None:
        """The platforms named, of those `user` may see (all of them without a user: the console's
        own imports)."""
        platforms = restrict_to_user_platforms(Platform.objects.all(), user) if user else Platform.objects.all()
        self.platforms = platforms.in_bulk({str(client_id) for client_id in client_ids if client_id},
                                           field_name="client_id")

    def clean(self, value, row=None, **kwargs):
        if self.platforms is None or value in (None, ""):
            return super().clean(value, row, **kwargs)
        try:
            return self.platforms[str(value)]
        except KeyError:
            raise ValueError(UNKNOWN_PLATFORM.format(client_id=value)) from None


class TicketResource(RecordedImportMixin, resources.ModelResource):
    """Tickets by reference, imported in bulk: the existing tickets and the platforms the file
    names are read once, rows are validated one by one (nothing is written if any is invalid), then
    written a thousand at a time, each with a history row naming the person who imported it."""

    platform = fields.Field(attribute="platform", column_name="platform", widget=PlatformByClientIdWidget())

    class Meta:
        model = Ticket
        import_id_fields = ("reference",)
        fields = ("reference", "kind", "priority", "status", "resolution", "subject", "description",
                  "requester_name", "requester_email", "platform", "customer_affected", "created_at",
                  "first_responded_at", "resolved_at")
        export_order = fields
        skip_unchanged = True
        clean_model_instances = True
        use_bulk = True
        batch_size = 1000
        instance_loader_class = CachedInstanceLoader

    def __init__(self, *, user=None, **kwargs):
        """`user`: the person importing, whose platforms bound what the file may read and write."""
        super().__init__(**kwargs)
        # The library keeps its options on the class; this import changes some of its own.
        self._meta = copy(self._meta)
        self.import_fields = None
        self.user = user
        self.hidden_references: set[str] = set()

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None,
                    collect_failed_rows=False, rollback_on_validation_errors=False, **kwargs):
        # The preview (a dry run) shows each row's changes; the import itself only needs the
        # totals, and a diff costs more than the rest of a row's work.
        self._meta.skip_diff = not dry_run
        # All or nothing: an invalid row leaves every other row unwritten too.
        return super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors,
                                   use_transactions=use_transactions, collect_failed_rows=collect_failed_rows,
                                   rollback_on_validation_errors=True, **kwargs)

    def get_queryset(self):
        tickets = Ticket.objects.select_related("platform")
        return restrict_to_user_platforms(tickets, self.user) if self.user else tickets

    def get_import_fields(self):
        # The library asks on every row; the answer does not change during an import.
        if self.import_fields is None:
            self.import_fields = super().get_import_fields()
        return self.import_fields

    def before_import(self, dataset, **kwargs):
        self.importing_user = kwargs.get("user")
        self.change_reason = IMPORTED_FROM.format(file_name=kwargs.get("file_name") or "a file")
        imported = {field.attribute for field in self.get_import_fields()}
        # The platform is checked against the platforms read for the file; the fields the file
        # does not set keep values already valid (their defaults, or what the ticket holds).
        self.not_validated = [field.name for field in Ticket._meta.fields if field.name not in imported]
        self.not_validated.append("platform")
        self.rows_by_reference: dict[str, int] = {}
        self.ids_written: dict[str, list[int]] = {CREATED: [], CHANGED: []}
        if self.fields["platform"].column_name in (dataset.headers or []):
            self.fields["platform"].widget.load(dataset[self.fields["platform"].column_name], user=self.user)
        if self.user and self.fields["reference"].column_name in (dataset.headers or []):
            named = {str(reference) for reference in dataset[self.fields["reference"].column_name] if reference}
            visible = self.get_queryset().filter(reference__in=named).values_list("reference", flat=True)
            self.hidden_references = set(Ticket.objects.filter(reference__in=named).values_list(
                "reference", flat=True)) - set(visible)

    def before_import_row(self, row, **kwargs):
        reference_field = self.fields["reference"]
        if reference_field.column_name not in row:
            return
        reference, number = reference_field.clean(row), kwargs["row_number"]
        if reference in self.hidden_references:
            raise ValidationError({"reference": REFERENCE_IN_USE.format(reference=reference)})
        first = self.rows_by_reference.setdefault(reference, number)
        if first != number:
            raise ValidationError({"reference": REFERENCE_REPEATED.format(reference=reference, row=first)})

    def after_init_instance(self, instance, new, row, **kwargs):
        self.values_before = None if new else self.import_values(instance)

    def import_values(self, ticket) -> list:
        return [field.get_value(ticket) for field in self.get_import_fields()]

    def skip_row(self, instance, original, row, import_validation_errors=None):
        # The library compares with its diff's copy of the ticket, which the import leaves out.
        if import_validation_errors or self.values_before is None:
            return False
        return self.import_values(instance) == self.values_before

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # Django's per-row queries would only repeat checks made for the whole file: the platform
        # is one read for it, and a reference is either found (an update) or new and on one row.
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(exclude=[*errors, *self.not_validated], validate_unique=False)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        tickets = list(self.create_instances)
        super().bulk_create(using_transactions, dry_run, raise_errors, batch_size=batch_size, result=result)
        self.ids_written[CREATED] += [ticket.pk for ticket in tickets if ticket.pk is not None]

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if using_transactions or not dry_run:
            self.ids_written[CHANGED] += [ticket.pk for ticket in self.update_instances]
        super().bulk_update(using_transactions, dry_run, raise_errors, batch_size=batch_size, result=result)

    def written_ids(self, result) -> tuple[list, list]:
        # Written in bulk: the rows' results carry no new ids.
        return self.ids_written[CREATED], self.ids_written[CHANGED]

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        size = self._meta.batch_size
        for history_type, ids in self.ids_written.items():
            for start in range(0, len(ids), size):
                history_rows_write(Ticket, ids[start:start + size], history_type=history_type,
                                   user=self.importing_user, change_reason=self.change_reason)


class BugResource(RecordedImportMixin, resources.ModelResource):
    class Meta:
        model = Bug
        fields = ("id", "title", "steps_to_reproduce", "expected_behaviour", "actual_behaviour", "severity",
                  "status", "fix_due_at", "fixed_at")
        skip_unchanged = True
        clean_model_instances = True


class TicketByReferenceWidget(widgets.ForeignKeyWidget):
    """A ticket by its reference, among those of the importing person's platforms."""

    def __init__(self):
        super().__init__(Ticket, field="reference")
        self.user = None

    def get_queryset(self, value, row, *args, **kwargs):
        tickets = Ticket.objects.all()
        return restrict_to_user_platforms(tickets, self.user) if self.user else tickets

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except Ticket.DoesNotExist:
            raise ValueError(UNKNOWN_TICKET.format(reference=value)) from None


class TicketMessageResource(RecordedImportMixin, resources.ModelResource):
    """Notes and replies, tied to their ticket by its reference. A note imported from another
    tracker is the importing person's, marked as imported by them, from which file and when; the
    file's author column is kept as text (`source_author`), never taken for a staff member."""

    ticket = fields.Field(attribute="ticket", column_name="ticket", widget=TicketByReferenceWidget())
    author = fields.Field(attribute="source_author", column_name="author")
    imported_by = fields.Field(attribute="imported_by__username", column_name="imported_by", readonly=True)
    imported_at = fields.Field(attribute="imported_at", column_name="imported_at", readonly=True,
                               widget=widgets.DateTimeWidget())
    imported_from = fields.Field(attribute="imported_from", column_name="imported_from", readonly=True)

    class Meta:
        model = TicketMessage
        fields = ("id", "ticket", "author", "visibility", "body", "created_at", "imported_by", "imported_at",
                  "imported_from")
        skip_unchanged = True
        clean_model_instances = True

    def __init__(self, *, user=None, **kwargs):
        """`user`: the person importing; notes go only to tickets of their platforms."""
        super().__init__(**kwargs)
        self.user = user
        self.fields["ticket"].widget.user = user  # the fields are this resource's own copies

    def get_queryset(self):
        # A note is matched on its id; one on another platform's ticket reads as missing.
        notes = TicketMessage.objects.select_related("author", "imported_by")
        return restrict_to_user_platforms(notes, self.user, "ticket__platform") if self.user else notes

    def dehydrate_author(self, note) -> str:
        return note.source_author or note.author.get_username()

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self.importer = kwargs.get("user")
        if self.importer is None:
            raise ValueError(IMPORTER_REQUIRED)
        self.imported_from = (kwargs.get("file_name") or "a file")[:255]
        self.imported_at = timezone.now()

    def after_init_instance(self, instance, new, row, **kwargs):
        if new:
            instance.author = instance.imported_by = self.importer
            instance.imported_at, instance.imported_from = self.imported_at, self.imported_from

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """A note already here is unchanged when the row says what exporting it says: the author
        column holds the text an export writes, whoever the note's author is."""
        if import_validation_errors or original is None or original.pk is None:
            return super().skip_row(instance, original, row, import_validation_errors)
        return all(str(row[field.column_name] or "") == str(self.export_field(field, original) or "")
                   for field in self.get_import_fields() if field.column_name in row)

    def save_instance(self, instance, is_create, row, **kwargs):
        # A note is a record, never rewritten: an import adds notes, and one already here is left
        # as it is (re-importing it unchanged is skipped, not refused).
        if not is_create:
            raise ValidationError({"id": NOTE_ALREADY_RECORDED.format(id=instance.pk)})
        super().save_instance(instance, is_create, row, **kwargs)
