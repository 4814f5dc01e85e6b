"""An upload handler that stops reading a verification upload once it passes VERIFY_UPLOAD_MAX_BYTES.

Django streams multipart files to memory or disk whatever their size (DATA_UPLOAD_MAX_MEMORY_SIZE does not count
files); this handler drops an oversized file as it arrives and marks the request, so the view answers 413 with a
message instead of storing 50 MB first.
"""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest

TOO_LARGE_ATTRIBUTE = "verify_upload_too_large"


class CappedUploadHandler(FileUploadHandler):
    """Pass chunks on to the next handler until ``limit`` bytes; then skip the file and flag the request."""

    def __init__(self, request: HttpRequest, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            setattr(self.request, TOO_LARGE_ATTRIBUTE, True)
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler builds the file object


def cap_uploads(request: HttpRequest, *, limit: int) -> None:
    """Install the cap; must run before anything reads request.POST or request.FILES."""
    request.upload_handlers.insert(0, CappedUploadHandler(request, limit=limit))


def upload_too_large(request: HttpRequest) -> bool:
    return bool(getattr(request, TOO_LARGE_ATTRIBUTE, False))
