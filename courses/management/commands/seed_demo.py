"""`manage.py seed_demo`: create the demo institution once and print the staff login."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from courses.demo import seed_demo


class Command(BaseCommand):
    help = "Create a demo institution, two courses with badges, three learners who completed, and a staff login."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo creates a known password; it does not run with LAUREL_ENV=production.")
        result = seed_demo()
        verb = "Created" if result.created else "Already present:"
        self.stdout.write(self.style.SUCCESS(f"{verb} demo institution '{result.issuer.name}'."))
        self.stdout.write(f"Admin: {settings.PUBLIC_BASE_URL}/admin/")
        self.stdout.write(f"Demo login: {result.login}  password: {result.password}")
