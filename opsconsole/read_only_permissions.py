"""An admin screen that only shows: it never offers add, change or delete, to anyone, superusers
included, and Django's own permission checks refuse a crafted POST. The payment data's screens
(opsconsole/readonly_admin.py) and the audit trail's are built on it."""


class ReadOnlyPermissionsMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
