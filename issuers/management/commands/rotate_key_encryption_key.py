"""`manage.py rotate_key_encryption_key`: re-encrypt every signing key under the first KEY_ENCRYPTION_KEYS entry.

Rotation: put the new key first in KEY_ENCRYPTION_KEYS (keeping the old one after it), run this, then drop the old.
"""

from django.core.management.base import BaseCommand

from issuers.services import key_encryption_key_rotate


class Command(BaseCommand):
    help = "Re-encrypt all private signing keys with the newest key-encryption key."

    def handle(self, *args, **options):
        count = key_encryption_key_rotate()
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {count} signing key(s)."))
