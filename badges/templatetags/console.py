"""Template tags of the institution console: the alerts on the admin index, and the award page's panel."""

from __future__ import annotations

from django import template
from django.contrib import admin

from issuers.permissions import Capability
from issuers.selectors import issuers_for_user

from ..dashboard import alerts_for
from ..downloads import DOWNLOADS
from ..models import Award, AwardStatus
from ..public_urls import assertion_url

register = template.Library()

# The award page's downloads: what a badge officer sends on (the baked images, OB 3.0 JSON and JWT).
PANEL_DOWNLOADS = ("badge.png", "badge.svg", "credential.json", "credential.jwt")
# The award list's actions offered as buttons on the award page, in this order when present (helper K3's
# corrections land under these names; any other action of the list follows).
ACTION_ORDER = ("notify_again", "resend", "renew", "reissue", "correct", "retry", "revoke")
# The states in which each of those actions does something; an action not listed here is always offered.
ACTION_STATES = {
    "notify_again": {AwardStatus.ISSUED},
    "resend": {AwardStatus.ISSUED},
    "renew": {AwardStatus.ISSUED},
    "correct": {AwardStatus.ISSUED},
    "reissue": {AwardStatus.REVOKED},
    "retry": {AwardStatus.FAILED},
    "revoke": {AwardStatus.ISSUED, AwardStatus.PENDING, AwardStatus.FAILED},
}


@register.simple_tag(takes_context=True)
def staff_alerts(context) -> list:
    """Alerts for the institutions the signed-in staff member may see (the worker alert for all staff)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated or not request.user.is_staff:
        return []
    ids = issuers_for_user(user=request.user, capability=Capability.VIEW).values_list("id", flat=True)
    return alerts_for(issuer_ids=list(ids))


@register.simple_tag(takes_context=True)
def award_console(context, award: Award) -> dict:
    """Links, states and action buttons of one award for its admin page."""
    request = context["request"]
    model_admin = admin.site._registry.get(Award)
    issued = award.status == AwardStatus.ISSUED
    live = award.status in (AwardStatus.ISSUED, AwardStatus.REVOKED)
    downloads = []
    if issued:
        for name in PANEL_DOWNLOADS:
            if name in DOWNLOADS and (name != "badge.svg" or award.baked_svg):
                if name == "badge.png" and award.baked_svg:
                    continue
                downloads.append(name)
    actions = []
    if model_admin is not None:
        available = model_admin.get_actions(request)
        names = [n for n in ACTION_ORDER if n in available]
        names += [n for n in available if n not in names and n != "delete_selected"]
        names = [n for n in names if award.status in ACTION_STATES.get(n, AwardStatus.values)]
        actions = [(name, available[name][2]) for name in names]
    public_url = assertion_url(award) if live else ""
    return {
        "public_url": public_url,
        "downloads": downloads,
        "claimed": award.learner.user_id is not None,
        "actions": actions,
        "superseded_by": list(award.superseded_by.values_list("pk", "public_id", "status")),
    }
