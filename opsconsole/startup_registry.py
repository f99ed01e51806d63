"""What the apps declare at start-up — tasks, explanations, search kinds, dashboard panels — kept
in a registry that is filled while the apps load, then frozen.

A registry keeps its entries by key, in the order they were registered, and refuses a second
entry under a key it holds. Once frozen (when start-up has found every app's modules), registering
raises `RegistryFrozen`: something registered later would exist in one process and not another.
"""

from typing import Generic, TypeVar

from django.utils.module_loading import autodiscover_modules

Entry = TypeVar("Entry")


class RegistryFrozen(RuntimeError):
    pass


class StartupRegistry(Generic[Entry]):
    """Subclasses state `too_late` and `duplicate`, messages with a `{key}` placeholder, and offer
    their own reads over `entries()`."""

    too_late = "{key!r} registered after start-up."
    duplicate = "Two entries share the key {key!r}."

    def __init__(self):
        self._entries: dict[object, Entry] = {}
        self._frozen = False

    def add(self, key, entry: Entry) -> Entry:
        if self._frozen:
            raise RegistryFrozen(self.too_late.format(key=key))
        if key in self._entries:
            raise ValueError(self.duplicate.format(key=key))
        self._entries[key] = entry
        return entry

    def freeze(self) -> None:
        self._frozen = True

    def fill_from_apps(self, module_name: str) -> None:
        """Import `module_name` of every installed app, as the admin finds `admin.py` (an app
        without one is passed over, an error inside one is raised), then freeze."""
        autodiscover_modules(module_name)
        self.freeze()

    def entries(self) -> list[Entry]:
        """Every entry, in the order registered."""
        return list(self._entries.values())
