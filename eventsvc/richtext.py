"""Organizer-written descriptions as safe HTML: Markdown (paragraphs, lists, links) through a sanitizer."""
import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# What a description may contain once rendered. Anything else (a <script>, an
# <img onerror>, a style, an iframe) is dropped by the sanitizer even if the
# Markdown renderer were ever to let it through.
ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "a", "strong", "em", "h3", "h4", "blockquote", "code"}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener"
MAX_LENGTH = 20000  # the API and the form accept no more than this


@lru_cache(maxsize=1)
def _markdown():
    # CommonMark with raw HTML off: "<b>" is shown as text, never parsed as a tag.
    # Headings "#"/"##" become h3/h4 below (the page's own h1/h2 stay the page's).
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})


_HEADING = re.compile(r"<(/?)h([1-6])>")


def _demote_headings(html):
    # Raw HTML is off, so every "<hN>" in the output is a tag the renderer made.
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{3 if m.group(2) == '1' else 4}>", html)


def render_markdown(text):
    """The description's Markdown as sanitized HTML (a Markup, safe to put in a template)."""
    if not text or not text.strip():
        return Markup("")
    return Markup(sanitize(_demote_headings(_markdown().render(text[:MAX_LENGTH]))))


def sanitize(html):
    """Only the allowed tags and attributes, links to http, https and mailto with rel="nofollow noopener".

    The second of two locks: the renderer already escapes raw HTML, and this
    holds even if it one day did not.
    """
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=ALLOWED_SCHEMES,
                     link_rel=LINK_REL, strip_comments=True)
