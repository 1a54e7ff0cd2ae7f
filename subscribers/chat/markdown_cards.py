"""An update's Markdown for the card providers: the TextBlock subset Microsoft Teams renders
(bold, italic, lists, links) and the HTML subset of Google Chat's textParagraph (<b>, <i>,
<a href>, <br>).

Both are built from markdown-it's tokens, never from the operator's text directly, so what a
provider cannot render (headings, quotes, code, tables, images, strikethrough) comes out as
plain text, escaped, and nothing the operator typed can become markup by accident: literal
`*`, `_`, `[` are backslash-escaped for Teams, `&`, `<`, `>` HTML-escaped for Google Chat.

A body longer than its budget is cut between blocks; the block that does not fit is cut as
plain text at a word, followed by an ellipsis and a link to the whole update. Budgets are in
bytes of the JSON string as it is sent, since that is what the providers' limits count.
"""

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from markdown_it.token import Token

from statuspage.markdown import tokens

from .markdown import ELLIPSIS, SAFE_SCHEMES


def json_size(text: str) -> int:
    """Bytes `text` takes inside a JSON string sent as UTF-8 (quotes not counted)."""
    return len(json.dumps(text, ensure_ascii=False).encode()) - 2


# Escaping ---------------------------------------------------------------------------------

# Characters that start or end Markdown markup anywhere in a line (emphasis, links, code,
# strikethrough, autolinks, escapes themselves).
_TEAMS_INLINE = re.compile(r"([\\`*_~\[\]<>])")
# Markup that only counts at the start of a line: lists, headings, quotes. (A digit cannot be
# escaped in Markdown: the dot or parenthesis after the number is.)
_TEAMS_LINE_START = re.compile(r"^(\s*)(?:([-+>#])|(\d+)([.)]))", re.MULTILINE)
# An HTML entity would be decoded ("&lt;" shown as "<"): escape its ampersand.
_ENTITY = re.compile(r"&(?=#?\w+;)")


def teams_plain(text: str) -> str:
    """Plain text that Teams' Markdown shows as it is."""
    text = _TEAMS_INLINE.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    return _TEAMS_LINE_START.sub(_escape_line_start, text)


def _escape_line_start(match: re.Match[str]) -> str:
    space, mark, number, after = match.groups()
    if number:  # "1." or "1)"
        return f"{space}{number}\\{after}"
    return f"{space}\\{mark}"


def google_chat_plain(text: str) -> str:
    """Plain text for Google Chat's formatted fields (its HTML subset)."""
    return html.escape(text, quote=False)


def _teams_url(href: str) -> str:
    # Inside (...) of a Markdown link a space or parenthesis would end or break the link.
    for char, code in ((" ", "%20"), ("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E")):
        href = href.replace(char, code)
    return href


def _teams_link(text: str, href: str) -> str:
    return f"[{text}]({_teams_url(href)})"


def _google_chat_link(text: str, href: str) -> str:
    return f'<a href="{html.escape(href, quote=True)}">{text}</a>'


@dataclass(frozen=True)
class Style:
    escape: Callable[[str], str]
    bold: tuple[str, str]
    italic: tuple[str, str]
    link: Callable[[str, str], str]
    # Between lines of one block, between list items, between other blocks.
    line_break: str
    item_break: str
    block_break: str
    bullet: str

    def numbered(self, n: int) -> str:
        return f"{n}. "


# Teams TextBlocks need a blank line for a new line (a single \n is a space in Markdown), and
# a list is lines that start with "- " or "1. ".
TEAMS = Style(
    escape=teams_plain,
    bold=("**", "**"),
    italic=("_", "_"),
    link=_teams_link,
    line_break="\n\n",
    item_break="\n",
    block_break="\n\n",
    bullet="- ",
)
GOOGLE_CHAT = Style(
    escape=google_chat_plain,
    bold=("<b>", "</b>"),
    italic=("<i>", "</i>"),
    link=_google_chat_link,
    line_break="<br>",
    item_break="<br>",
    block_break="<br><br>",
    bullet="• ",
)


# Reading the tokens --------------------------------------------------------------------------


@dataclass
class Block:
    """A paragraph, a list item, a heading, a table row or a code block: the unit that a
    truncated body keeps or drops whole. `plain` is its text without markup."""

    markup: str
    plain: str
    # The outermost list it is an item of (lists numbered as they open), or 0: nested lists
    # are flattened, as neither provider indents them.
    item: int = 0


class _Inline:
    """One inline token stream rendered in a style, with its plain text beside it."""

    def __init__(self, style: Style, *, bold: bool = False, one_line: bool = False) -> None:
        self.style = style
        self.parts: list[str] = []
        self.plain: list[str] = []
        self.bold_depth = 1 if bold else 0
        self.italic_depth = 0
        self.one_line = one_line
        self.links: list[tuple[str, list[str]]] = []

    def _emit(self, markup: str, plain: str = "") -> None:
        self.parts.append(markup)
        self.plain.append(plain)

    def _text(self, text: str) -> None:
        self._emit(self.style.escape(text), text)

    def render(self, children: list[Token]) -> tuple[str, str]:
        for token in children:
            kind = token.type
            if kind in ("text", "code_inline", "html_inline"):
                self._text(token.content)
            elif kind in ("softbreak", "hardbreak"):
                self._emit(" " if self.one_line else self.style.line_break, " ")
            elif kind == "strong_open":
                self.bold_depth += 1
                if self.bold_depth == 1:
                    self._emit(self.style.bold[0])
            elif kind == "strong_close":
                self.bold_depth -= 1
                if self.bold_depth == 0:
                    self._emit(self.style.bold[1])
            elif kind == "em_open":
                self.italic_depth += 1
                if self.italic_depth == 1:
                    self._emit(self.style.italic[0])
            elif kind == "em_close":
                self.italic_depth -= 1
                if self.italic_depth == 0:
                    self._emit(self.style.italic[1])
            elif kind == "link_open":
                href = str(token.attrGet("href") or "")
                self.links.append((href, self.parts))
                self.parts = []
            elif kind == "link_close" and self.links:
                href, outer = self.links.pop()
                text = "".join(self.parts)
                self.parts = outer
                if href.lower().startswith(SAFE_SCHEMES):
                    self.parts.append(self.style.link(text or self.style.escape(href), href))
                else:
                    self.parts.append(text)
            elif kind == "image":
                # No pictures in either card; the alternative text stands in for it.
                self._text(token.content)
            # Strikethrough and anything else: the text inside is kept, the markup dropped.
        while self.links:  # an unclosed link (not produced by markdown-it, but be safe)
            _, outer = self.links.pop()
            outer.extend(self.parts)
            self.parts = outer
        return "".join(self.parts).strip(), "".join(self.plain).strip()


def blocks(markdown: str, style: Style) -> list[Block]:
    found: list[Block] = []
    lists: list[dict[str, int]] = []  # open lists: ordered (1/0), the next number, an id
    opened = 0
    marker = ""  # a list item's marker, given to its first block
    heading = False
    row: list[tuple[str, str]] | None = None
    header_row = False
    for token in tokens(markdown):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            start = int(token.attrGet("start") or 1)
            opened += 1
            lists.append({"ordered": int(kind == "ordered_list_open"), "next": start, "id": opened})
        elif kind in ("bullet_list_close", "ordered_list_close"):
            if lists:
                lists.pop()
        elif kind == "list_item_open" and lists:
            current = lists[-1]
            if current["ordered"]:
                marker = style.numbered(int(token.info or current["next"]))
                current["next"] = int(token.info or current["next"]) + 1
            else:
                marker = style.bullet
        elif kind == "heading_open":
            heading = True
        elif kind == "heading_close":
            heading = False
        elif kind == "thead_open":
            header_row = True
        elif kind == "thead_close":
            header_row = False
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            cells = [cell for cell in row if cell[1]]
            if cells:
                found.append(
                    Block(" · ".join(c[0] for c in cells), " · ".join(c[1] for c in cells))
                )
            row = None
        elif kind == "inline":
            in_item = bool(lists)
            markup, plain = _Inline(
                style, bold=heading or header_row, one_line=in_item or row is not None
            ).render(token.children or [])
            if (heading or header_row) and markup:
                markup = f"{style.bold[0]}{markup}{style.bold[1]}"
            if row is not None:
                row.append((markup, plain))
            elif markup:
                found.append(Block(marker + markup, plain, item=lists[0]["id"] if lists else 0))
                marker = ""
        elif kind in ("fence", "code_block"):
            lines = [line for line in token.content.splitlines() if line.strip()]
            if lines:
                markup = style.line_break.join(style.escape(line) for line in lines)
                found.append(Block(markup, " ".join(lines)))
        # Paragraph, quote and rule tokens carry no text of their own.
    return found


def _separator(before: Block, after: Block, style: Style) -> str:
    same_list = after.item and after.item == before.item
    return style.item_break if same_list else style.block_break


def _join(found: list[Block], style: Style) -> str:
    out: list[str] = []
    for n, block in enumerate(found):
        if n:
            out.append(_separator(found[n - 1], block, style))
        out.append(block.markup)
    return "".join(out)


def _cut(plain: str, style: Style, room: int) -> str:
    """The longest start of `plain`, escaped and ending in an ellipsis, that takes at most
    `room` bytes; cut at a space where one is near."""
    low, high = 0, len(plain)
    while low < high:
        middle = (low + high + 1) // 2
        if json_size(style.escape(plain[:middle].rstrip()) + ELLIPSIS) <= room:
            low = middle
        else:
            high = middle - 1
    text = plain[:low]
    if low < len(plain):
        space = text.rfind(" ")
        if space > low * 0.8:
            text = text[:space]
    text = text.rstrip()
    return style.escape(text) + ELLIPSIS if text else ELLIPSIS


def render(markdown: str, style: Style, *, limit: int, more_url: str, more_label: str) -> str:
    """`markdown` in `style`, at most `limit` bytes (as a JSON string); cut with an ellipsis
    and a link to `more_url` when longer."""
    found = blocks(markdown, style)
    whole = _join(found, style)
    if json_size(whole) <= limit:
        return whole
    more = style.block_break + style.link(style.escape(more_label), more_url)
    # Room for the link, and for an ellipsis however little of the next block fits.
    room = limit - json_size(more) - json_size(ELLIPSIS)
    # Escaping in JSON is per character, so sizes add up as blocks are joined.
    kept: list[Block] = []
    used = 0
    for block in found:
        grown = used + json_size(block.markup)
        if kept:
            grown += json_size(_separator(kept[-1], block, style))
        if grown > room:
            break
        kept.append(block)
        used = grown
    # The block that did not fit, cut as plain text in the room that is left.
    left = room - used - (json_size(style.block_break) if kept else 0)
    cut = Block(_cut(found[len(kept)].plain, style, left), "")
    return _join([*kept, cut], style) + more


def teams_markdown(markdown: str, *, limit: int, more_url: str, more_label: str) -> str:
    return render(markdown, TEAMS, limit=limit, more_url=more_url, more_label=more_label)


def google_chat_html(markdown: str, *, limit: int, more_url: str, more_label: str) -> str:
    return render(markdown, GOOGLE_CHAT, limit=limit, more_url=more_url, more_label=more_label)
