"""Learner pages: the backpack and each badge's public/private switch. Thin: selectors read, services write."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from badges import selectors as badge_selectors
from badges.services import AwardError, award_set_visibility

from . import selectors


@require_GET
@login_required
def backpack(request: HttpRequest) -> HttpResponse:
    context = {
        "items": selectors.backpack_items(user=request.user),
        "addresses": selectors.learner_addresses(user=request.user),
    }
    return render(request, "learners/backpack.html", context)


@require_POST
@login_required
def award_visibility(request: HttpRequest, public_id: str) -> HttpResponse:
    award = badge_selectors.award_get_for_holder(user=request.user, public_id=public_id)
    if award is None:
        raise Http404(_("No such badge in your backpack."))
    public = request.POST.get("public") == "1"
    try:
        award_set_visibility(actor=request.user, award=award, public=public)
    except AwardError as exc:
        messages.error(request, str(exc))
    else:
        name = award.badge_class.name
        if public:
            messages.success(
                request,
                _("“%(name)s” is now public: anyone with its link sees your name and evidence.") % {"name": name},
            )
        else:
            messages.success(
                request,
                _("“%(name)s” is now private: your name and evidence are shown only to you.") % {"name": name},
            )
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(next_url)
    return redirect("backpack")
