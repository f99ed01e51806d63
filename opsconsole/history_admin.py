"""django-simple-history's pages for one object, answering an id that cannot be one with a 404."""

from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin


class CheckedHistoryAdmin(SimpleHistoryAdmin):
    """simple-history looks the object up with the id as typed in the URL, so `abc` where a
    number belongs was a server error; here it is the missing object it is."""

    def history_view(self, request, object_id, extra_context=None):
        self.object_id_or_404(object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self.object_id_or_404(object_id)
        try:
            int(version_id)
        except (TypeError, ValueError):
            raise Http404(f"There is no version {version_id} of this {self.model._meta.verbose_name}.") from None
        return super().history_form_view(request, object_id, version_id, extra_context)

    def object_id_or_404(self, object_id) -> None:
        try:
            self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404(f"There is no {self.model._meta.verbose_name} with id {object_id}.") from None
