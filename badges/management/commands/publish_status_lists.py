"""Publish the revocation list of every institution that has issued awards but none yet (run once after upgrading).

Before decision 0012 a list was created by the first request for it; now only issuing and revoking create one, so
an institution whose list nobody had asked for gets it here (or with its next issued award).
"""

from django.core.management.base import BaseCommand

from badges.models import Award, AwardStatus, StatusList
from badges.status_lists import status_list_ensure
from issuers.models import Issuer


class Command(BaseCommand):
    help = "Create and sign the revocation status list of each institution that has issued awards but no list."

    def handle(self, *args, **options) -> None:
        published = StatusList.objects.filter(purpose="revocation", credential__isnull=False).values("issuer_id")
        issuing = Award.objects.filter(status__in=[AwardStatus.ISSUED, AwardStatus.REVOKED]).values("issuer_id")
        missing = Issuer.objects.filter(pk__in=issuing).exclude(pk__in=published)
        count = 0
        for issuer in missing:
            status_list_ensure(issuer=issuer)
            count += 1
        self.stdout.write(f"Published {count} status list(s).")
