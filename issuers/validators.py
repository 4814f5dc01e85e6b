"""Validation shared by every app for names that travel into e-mail headers, documents and pages.

A name (an institution's, a badge class's, a learner's) is one line of text: a line break in it would let whoever
typed it add e-mail headers to every message that carries it, or break the subject line so the message cannot be
sent. Control characters (tab, NUL, CR, LF, ...), Unicode line and paragraph separators, and lone surrogates
(which no UTF-8 text can hold) are refused. Everything printable, in any script, is fine.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_REFUSED_CATEGORIES = {"Cc", "Cs", "Zl", "Zp"}  # controls, surrogates, line and paragraph separators

SINGLE_LINE_MESSAGE = _("A name must be a single line: line breaks, tabs and other control characters are not allowed.")


def single_line_problem(value: str) -> str | None:
    """Why ``value`` is not an acceptable one-line name, or None if it is."""
    if any(unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in value):
        return str(SINGLE_LINE_MESSAGE)
    return None


def validate_single_line(value: str) -> None:
    """Raise ValidationError (code ``single_line``) unless ``value`` is one line of printable text."""
    if single_line_problem(value or ""):
        raise ValidationError(SINGLE_LINE_MESSAGE, code="single_line")


def clean_single_line_fields(instance, *field_names: str) -> None:
    """For a model's clean(): a ValidationError naming each listed field that holds more than one line."""
    errors = {
        name: ValidationError(SINGLE_LINE_MESSAGE, code="single_line")
        for name in field_names
        if single_line_problem(getattr(instance, name, "") or "")
    }
    if errors:
        raise ValidationError(errors)
