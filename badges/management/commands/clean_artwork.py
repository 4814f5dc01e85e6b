"""Clean every badge class's stored artwork again by today's rules (run once after upgrading; decision 0008).

Artwork uploaded before the SVG allowlist may still carry what the upload now cuts: a foreign-namespaced
<meta http-equiv=refresh>, CSS escapes, or Open Badges data that stops its awards from issuing.
"""

from django.core.management.base import BaseCommand

from badges.artwork import ArtworkError
from badges.models import BadgeClass
from badges.services import badge_class_artwork_clean


class Command(BaseCommand):
    help = "Re-clean the stored artwork of every badge class (SVG allowlist, no Open Badges data inside)."

    def handle(self, *args, **options) -> None:
        cleaned = refused = 0
        for badge_class in BadgeClass.objects.select_related("issuer").order_by("pk").iterator():
            try:
                removed = badge_class_artwork_clean(actor=None, badge_class=badge_class)
            except ArtworkError as exc:
                refused += 1
                self.stderr.write(f"{badge_class.public_id} ({badge_class.name}): left as it is, {exc}")
                continue
            if removed:
                cleaned += 1
                self.stdout.write(f"{badge_class.public_id} ({badge_class.name}): {'; '.join(sorted(set(removed)))}")
        self.stdout.write(f"Cleaned {cleaned} artwork(s); {refused} refused and left for staff to replace.")
