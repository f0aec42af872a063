"""The API's JSON parser: DRF's, refusing with a 400 what no column can store (lms.storable) and JSON nested too
deeply to parse (a RecursionError, which DRF's parser let through as a 500)."""

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

from lms.storable import unstorable_values


class JSONParser(parsers.JSONParser):
    """Every JSON body of the API: a lone surrogate (`"\\ud800"`), a NUL character or a number past a float's range
    (`1e400`) anywhere in it is a 400 naming the field (`answers.12`), before any view or serializer sees it."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("Not valid JSON: the lists and objects are nested too deeply.")) from None
        if errors := unstorable_values(data):
            raise exceptions.ValidationError(errors)
        return data
