"""A NUL character in a URL's parameters is refused with a 400 that names the parameter.

PostgreSQL stores no NUL in text, so a filter or search value holding one (`?status__exact=%00`)
failed deep in a query as a server error. Forms already refuse it in what they post (Django's
ProhibitNullCharactersValidator); this does the same for every page's query string.
"""

from django.http import HttpResponseBadRequest

NUL = "\x00"
NUL_IN_PARAMETER = "The parameter “{name}” contains a NUL character, which no field accepts: remove it and try again."


class RefuseNulCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name, values in request.GET.lists():
            if NUL in name or any(NUL in value for value in values):
                shown = name.replace(NUL, "\\0")
                return HttpResponseBadRequest(NUL_IN_PARAMETER.format(name=shown),
                                              content_type="text/plain; charset=utf-8")
        return self.get_response(request)
