"""`{% list_table cl as table %}`: a large list's headers and rows (opsconsole/list_table.py)."""

from django.template import Library

from opsconsole.list_table import ListTable

register = Library()


@register.simple_tag
def list_table(cl) -> ListTable:
    return ListTable(cl)
