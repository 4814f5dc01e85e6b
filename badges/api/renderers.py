"""The verification API's JSON renderer: a stranger's text (echoed in a verdict or an error) can always be encoded."""

from __future__ import annotations

from rest_framework.renderers import JSONRenderer

from badges.verification.text import displayable


class DisplayableJSONRenderer(JSONRenderer):
    """DRF's JSON renderer over :func:`badges.verification.text.displayable`: no lone surrogate reaches the encoder."""

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return super().render(displayable(data), accepted_media_type, renderer_context)
