"""Phrases of Django's admin and of allauth that our French catalog words itself.

Nothing imports this module: `makemessages` reads it, so these msgids land in locale/fr/LC_MESSAGES/django.po, and
our catalog (LOCALE_PATHS) takes precedence over the packages' own. Django's French "Ajout de %s" gives
"Ajout de inscription" (no elision before a vowel) on our model names; "MFA" is allauth's app name, unexplained.
"""

from django.utils.translation import gettext_noop

ADMIN_TITLES = [
    gettext_noop("Add %s"),
    gettext_noop("Change %s"),
    gettext_noop("View %s"),
    gettext_noop("Select %s to change"),
    gettext_noop("Select %s to view"),
    gettext_noop("Add %(name)s"),
]
THIRD_PARTY_APPS = [gettext_noop("MFA")]
