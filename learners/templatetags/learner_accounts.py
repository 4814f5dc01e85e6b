"""Template tags for the account pages: what opening a confirmation link here would do (decision 0013)."""

from django import template

from ..accounts import address_verification_decide
from ..adapter import is_account_holder

register = template.Library()


@register.simple_tag(takes_context=True)
def confirmation_outcome(context, confirmation) -> str:
    """ "verify", "hand_over" or "refuse" for this request, so the page says it before the button is pressed."""
    account = confirmation.email_address.user
    return address_verification_decide(
        account=account, by_account_holder=is_account_holder(context.get("request"), account)
    ).value
