"""The one exception type that baking and unbaking raise, whatever is wrong with the input image."""

from __future__ import annotations

__all__ = ["BakingError"]


class BakingError(ValueError):
    """An image that cannot be baked or unbaked; the message says why in plain words."""
