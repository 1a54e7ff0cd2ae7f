"""Fitting a text into one or two SMS segments.

A segment holds 160 GSM-7 characters, or 153 each once a message is split (the rest carries
the header that joins the parts); a message with any character outside GSM-7 goes as UCS-2,
70 characters, 67 when split. The extension characters (`{}[]~^|\\€`) count twice in GSM-7.
Typographic quotes and dashes are turned into their plain forms first, so an incident title
typed on a phone does not halve what fits.
"""

import re
from collections.abc import Callable

GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = "^{}\\[~]|€\f"
GSM = set(GSM_BASIC) | set(GSM_EXTENDED)
MAX_SEGMENTS = 2

PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\t": " ",
    }
)
MARKDOWN = re.compile(r"[*_`#>]+|!?\[([^\]]*)\]\([^)]*\)")


def plain(text: str) -> str:
    """One line of plain text: Markdown marks, links' targets and line breaks dropped."""
    text = MARKDOWN.sub(lambda m: m.group(1) or "", text.translate(PLAIN))
    return " ".join(text.split())


def is_gsm(text: str) -> bool:
    return all(c in GSM for c in text)


def length(text: str) -> int:
    """Characters as the network counts them (GSM-7 septets, or UTF-16 units for UCS-2)."""
    if is_gsm(text):
        return len(text) + sum(1 for c in text if c in GSM_EXTENDED)
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    single, part = (160, 153) if is_gsm(text) else (70, 67)
    n = length(text)
    if n <= single:
        return 1
    return -(-n // part)


def fits(text: str, limit: int = MAX_SEGMENTS) -> bool:
    return segments(text) <= limit


def shorten(value: str, keep: int) -> str:
    """`value` cut to `keep` characters, with "..." (GSM-7) where it was cut."""
    if len(value) <= keep:
        return value
    if keep <= 3:
        return value[:keep]
    return value[: keep - 3].rstrip() + "..."


def fit(render: Callable[[str], str], value: str, limit: int = MAX_SEGMENTS) -> str | None:
    """`value` shortened as little as needed for `render(value)` to fit `limit` segments
    (`value` itself when it fits); None when even an empty value does not fit."""
    if fits(render(value), limit):
        return value
    if not fits(render(""), limit):
        return None
    low, high = 0, len(value)  # render(shorten(value, low)) fits; with `high` it does not
    while high - low > 1:
        middle = (low + high) // 2
        if fits(render(shorten(value, middle)), limit):
            low = middle
        else:
            high = middle
    return shorten(value, low)
