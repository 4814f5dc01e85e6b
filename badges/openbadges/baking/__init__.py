"""Baking: embedding an Open Badge (JSON or JWS) into PNG (:mod:`.png`) and SVG (:mod:`.svg`) artwork and
back.

OB 2.0 baking: https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/baking/index.html
OB 3.0 baking: https://www.imsglobal.org/spec/ob/v3p0/#baking
Every failure raises :class:`~.errors.BakingError` (a ``ValueError``), never another exception type.
"""

from badges.openbadges.baking.errors import BakingError

__all__ = ["BakingError"]
