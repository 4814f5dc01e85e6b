"""Foreign text made safe to show: the one place where strings from badges issued elsewhere become encodable.

A JSON document may hold any code point, lone surrogates (U+D800 to U+DFFF) included: ``"\\ud800"`` is a valid JSON
escape and a valid Python str, but no UTF-8 page or JSON answer can carry it, and encoding the answer fails (a 500).
Everything a stranger's document puts on the verification page or in the API's answer passes through
:func:`displayable`, which replaces each such code point with U+FFFD, the replacement character, as a browser does
with undecodable bytes. The verifiers themselves see the document as given; a surrogate only changes what is shown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_UNENCODABLE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def displayable_text(value: str) -> str:
    """``value`` with every code point that UTF-8 cannot encode replaced by U+FFFD."""
    return _UNENCODABLE.sub(REPLACEMENT, value) if _UNENCODABLE.search(value) else value


def displayable(value: Any) -> Any:
    """A copy of ``value`` (str, mapping, list or tuple, nested) whose strings and keys are all encodable."""
    if isinstance(value, str):
        return displayable_text(value)
    if isinstance(value, Mapping):
        return {displayable(k): displayable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [displayable(v) for v in value]
    return value
