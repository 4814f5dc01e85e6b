"""Template filters for public pages: Markdown criteria and narratives, rendered and sanitised; foreign URLs made
safe to link (``safe_href``)."""

import re
from urllib.parse import urlsplit

import markdown as md
import nh3
from django import template
from django.utils.safestring import mark_safe

register = template.Library()

_LINKABLE_SCHEMES = {"http", "https"}
# Browsers drop tabs and newlines inside a URL and trim control characters and spaces around it, which is how
# "java\tscript:" and " javascript:" get past a prefix check; a URL holding any of them is never a link.
_UNSAFE_CHARACTERS = re.compile(r"[\x00-\x20\x7f-\x9f\u2028\u2029\ufeff]")
_MAX_URL_LENGTH = 4096

_ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "code", "pre", "blockquote", "h3", "h4"}


@register.filter
def markdown(text: str) -> str:
    """Markdown to HTML, keeping only harmless tags; links get rel=noopener."""
    html = md.markdown(text or "", extensions=["sane_lists"])
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes=_LINKABLE_SCHEMES,  # the same rule as safe_href: links in narratives are http(s) or nothing
        link_rel="noopener nofollow",
    )
    return mark_safe(clean)  # noqa: S308 — nh3 (ammonia) has removed everything but the allowed tags


@register.filter(is_safe=False)
def safe_href(value: object) -> str:
    """``value`` if it is an absolute http(s) URL with a host, else "" — the one gate for every URL that came from
    outside (a foreign credential, an institution's form) before it becomes an ``href`` or ``src``.

    The URL is parsed, not prefix-matched; whitespace or control characters anywhere refuse it. The result is
    not marked safe, so the template still escapes it. Templates show a refused URL as text (decision 0008).
    """
    if not isinstance(value, str) or not value or len(value) > _MAX_URL_LENGTH or _UNSAFE_CHARACTERS.search(value):
        return ""
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:  # an unbalanced IPv6 bracket, a bad port...
        return ""
    if parts.scheme.lower() not in _LINKABLE_SCHEMES or not host:
        return ""
    return value


@register.simple_tag
def active_system_alerts():
    """Unresolved platform alerts, for the admin index banner (shown to superusers)."""
    from badges.models import SystemAlert

    return list(SystemAlert.objects.filter(resolved=False)[:5])
