"""The JSON parser every API endpoint uses: DRF's, except that a body nested past Python's recursion limit is a
400 ("nested too deeply") instead of an uncaught RecursionError (a 500) — json.loads recurses once per level."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type=media_type, parser_context=parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the JSON is nested too deeply.") from None
