"""Template filters for public pages: Markdown criteria and narratives, rendered and sanitised."""

import markdown as md
import nh3
from django import template
from django.utils.safestring import mark_safe

register = template.Library()

_ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "code", "pre", "blockquote", "h3", "h4"}


@register.filter
def markdown(text: str) -> str:
    """Markdown to HTML, keeping only harmless tags; links get rel=noopener."""
    html = md.markdown(text or "", extensions=["sane_lists"])
    clean = nh3.clean(html, tags=_ALLOWED_TAGS, attributes={"a": {"href", "title"}}, link_rel="noopener nofollow")
    return mark_safe(clean)  # noqa: S308 — nh3 (ammonia) has removed everything but the allowed tags


@register.simple_tag
def active_system_alerts():
    """Unresolved platform alerts, for the admin index banner (shown to superusers)."""
    from badges.models import SystemAlert

    return list(SystemAlert.objects.filter(resolved=False)[:5])
