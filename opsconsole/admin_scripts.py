"""Django's admin scripts on the console's screens, without those a screen does not use."""

from django import forms
from django.conf import settings
from django.contrib import admin


class AdminScripts(admin.ModelAdmin):
    """Django's `ModelAdmin.media` less the scripts of prepopulated fields (urlify.js,
    prepopulate.js and XRegExp, 170 KB every page parses) on a screen that has no
    `prepopulated_fields`; the same as Django's on one that has some.

    List it after unfold's ModelAdmin among a screen's bases, so it stands between unfold's and
    Django's in the method resolution order: unfold's `media` then adds its list filters' scripts
    (date pickers, select boxes) to these, as it adds them to Django's.
    """

    @property
    def media(self) -> forms.Media:
        if self.prepopulated_fields:
            return super().media
        minified = "" if settings.DEBUG else ".min"
        scripts = (f"vendor/jquery/jquery{minified}.js", "jquery.init.js", "core.js", "admin/RelatedObjectLookups.js",
                   "actions.js")
        return forms.Media(js=[f"admin/js/{script}" for script in scripts])
