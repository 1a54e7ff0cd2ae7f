"""Reading rendered HTML as a visitor would: one section of a page, and its visible text."""

import re


def section(html: str, heading_id: str) -> str:
    """The HTML of the <section> labelled by this heading id."""
    start = html.index(f'aria-labelledby="{heading_id}"')
    end = html.find("<section", start)
    return html[start : end if end != -1 else len(html)]


def text(html: str) -> str:
    """Visible-ish text: tags removed, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
