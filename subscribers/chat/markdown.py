"""Markdown of update bodies in each chat provider's own formatting.

The operator writes CommonMark (rendered to HTML for the page and email by statuspage/markdown.py);
chat providers each read their own dialect. The body is read into markdown-it tokens as the
page reads it (`statuspage.markdown.tokens`) and written out again per dialect: Slack mrkdwn
(`slack`), the Markdown subset Discord and Teams read (`markdown`, `discord`), and plain text
(`plain`). What a dialect cannot show (images, tables, headings) becomes text it can; text is
escaped so that nothing in a body turns into a mention, a link or markup the operator did not
write. Links keep only http(s) and mailto.

`fit` cuts a rendered body to a provider's limit at a block boundary where it can, and never
inside a link, an entity or an escape; it ends with an ellipsis and a link to the full update.
"""

import re
from dataclasses import dataclass

from markdown_it.token import Token

from statuspage.markdown import tokens

SAFE_SCHEMES = ("http://", "https://", "mailto:")
# Bare URLs in text are left as they are: the providers link them, and escaping would break them.
BARE_URL = re.compile(r"https?://[^\s<>\"]+")
ELLIPSIS = "…"


def units(text: str) -> int:
    """Length as the providers count it (UTF-16 code units, so an emoji may count twice)."""
    return len(text.encode("utf-16-le")) // 2


def _wrap(inner: str, mark: str, end: str | None = None) -> str:
    """`mark` around the words, outside any spaces at either end (Slack ignores `* x*`)."""
    core = inner.strip()
    if not core:
        return inner
    lead = inner[: len(inner) - len(inner.lstrip())]
    trail = inner[len(inner.rstrip()) :]
    return f"{lead}{mark}{core}{mark if end is None else end}{trail}"


def safe_url(url: str) -> str:
    url = (url or "").strip()
    return url if url.lower().startswith(SAFE_SCHEMES) and not any(c in url for c in " <>") else ""


class Dialect:
    """Plain text: no markup at all; links as "label (url)"."""

    bullet = "• "
    rule = "──────────"

    def escape(self, text: str) -> str:
        return text

    def text(self, text: str) -> str:
        out, at = [], 0
        for match in BARE_URL.finditer(text):
            out.append(self.escape(text[at : match.start()]))
            out.append(self.bare_url(match.group()))
            at = match.end()
        out.append(self.escape(text[at:]))
        return "".join(out)

    def bare_url(self, url: str) -> str:
        return url

    # The marks around bold, italic and struck-through words (none in plain text).
    strong_mark = ""
    em_mark = ""
    strike_mark = ""

    def strong(self, inner: str) -> str:
        return _wrap(inner, self.strong_mark)

    def em(self, inner: str) -> str:
        return _wrap(inner, self.em_mark)

    def strike(self, inner: str) -> str:
        return _wrap(inner, self.strike_mark)

    def code(self, content: str) -> str:
        return content

    def pre(self, content: str) -> str:
        return content

    def link(self, url: str, label: str) -> str:
        if not label.strip() or label == url:
            return url
        return f"{label} ({url})"

    def heading(self, inner: str) -> str:
        """A heading is a bold line, where the dialect has bold."""
        return self.strong(inner)

    def quote(self, inner: str) -> str:
        return "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))

    def cut(self, text: str, size: int) -> str:
        """At most `size` units of `text`, at a word boundary where one is near."""
        piece = text[:size]
        while units(piece) > size:
            piece = piece[:-1]
        if len(piece) < len(text):
            space = max(piece.rfind(" "), piece.rfind("\n"))
            if space > size * 0.7:
                piece = piece[:space]
        return piece.rstrip()


class SlackDialect(Dialect):
    """Slack mrkdwn: *bold*, _italic_, ~strike~, <url|label>; &, < and > escaped as entities
    (which is also what keeps `<!channel>` and `<@U123>` out of a body)."""

    strong_mark = "*"
    em_mark = "_"
    strike_mark = "~"

    def escape(self, text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def bare_url(self, url: str) -> str:
        return self.escape(url)

    def code(self, content: str) -> str:
        # mrkdwn has no escape for a backquote inside code.
        return f"`{self.escape(content.replace('`', "'"))}`" if content.strip() else content

    def pre(self, content: str) -> str:
        return f"```{self.escape(content.replace('```', "'''"))}```"

    def link(self, url: str, label: str) -> str:
        target = self.escape(url).replace("|", "%7C")
        if not label.strip() or label == self.escape(url):
            return f"<{target}>"
        # A label ends at the first ">" (already escaped) and may not hold a line break.
        return f"<{target}|{label.replace(chr(10), ' ')}>"

    def cut(self, text: str, size: int) -> str:
        piece = super().cut(text, size)
        # Never end inside a <link> or an &entity;.
        if piece.rfind("<") > piece.rfind(">"):
            piece = piece[: piece.rfind("<")]
        if piece.rfind("&") > piece.rfind(";"):
            piece = piece[: piece.rfind("&")]
        if piece.count("```") % 2:
            piece = piece[: piece.rfind("```")]
        return piece.rstrip()


# Markdown punctuation that a Discord or Teams client reads as markup, escaped with a backslash
# (both drop a backslash before punctuation).
MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_~|<>\[\]()#])")
LINE_START_MARKER = re.compile(r"(^|\n)([-+]|\d+\.)(?=\s)")


class MarkdownDialect(Dialect):
    """The CommonMark subset chat clients share: **bold**, *italic*, ~~strike~~, `code`,
    [label](url), > quotes and lists; headings become bold lines."""

    bullet = "- "
    strong_mark = "**"
    em_mark = "*"
    strike_mark = "~~"

    def escape(self, text: str) -> str:
        escaped = MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
        return LINE_START_MARKER.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", escaped)

    def code(self, content: str) -> str:
        if not content.strip():
            return content
        fence = "``" if "`" in content else "`"
        return f"{fence} {content} {fence}" if fence == "``" else f"`{content}`"

    def pre(self, content: str) -> str:
        return f"```\n{content.replace('```', "'''")}\n```"

    def link(self, url: str, label: str) -> str:
        target = url.replace("(", "%28").replace(")", "%29")
        if not label.strip() or label == self.escape(url):
            return f"<{target}>"
        return f"[{label.replace(chr(10), ' ')}]({target})"

    def cut(self, text: str, size: int) -> str:
        piece = super().cut(text, size)
        # Never end inside [a label](or its url), nor on the backslash of an escape.
        opened = piece.rfind("[")
        if opened > piece.rfind(")") and (opened == 0 or piece[opened - 1] != "\\"):
            piece = piece[:opened]
        if piece.count("```") % 2:
            piece = piece[: piece.rfind("```")]
        trailing = len(piece) - len(piece.rstrip("\\"))
        if trailing % 2:
            piece = piece[:-1]
        return piece.rstrip()


MENTIONS = re.compile(r"@(everyone|here)\b", re.IGNORECASE)


class DiscordDialect(MarkdownDialect):
    """Discord's Markdown, and @everyone / @here broken with a zero-width space (messages also
    say `allowed_mentions: {"parse": []}`; this keeps them from even looking like a ping)."""

    def escape(self, text: str) -> str:
        return MENTIONS.sub("@\u200b\\1", super().escape(text))

    def bare_url(self, url: str) -> str:
        return url


PLAIN = Dialect()
SLACK = SlackDialect()
MARKDOWN = MarkdownDialect()
DISCORD = DiscordDialect()


def _close(tokens: list[Token], start: int) -> int:
    """Index of the token that closes tokens[start]."""
    depth = 0
    for index in range(start, len(tokens)):
        depth += tokens[index].nesting
        if depth == 0:
            return index
    return len(tokens) - 1


def _inline(children: list[Token], d: Dialect) -> str:
    stack: list[tuple[str, list[str], str]] = [("root", [], "")]
    for token in children:
        out = stack[-1][1]
        kind = token.type
        if kind == "text":
            out.append(d.text(token.content))
        elif kind in ("softbreak", "hardbreak"):
            out.append("\n")
        elif kind == "code_inline":
            out.append(d.code(token.content))
        elif kind in ("strong_open", "em_open", "s_open", "link_open"):
            stack.append((kind[:-5], [], str(token.attrGet("href") or "")))
        elif kind in ("strong_close", "em_close", "s_close", "link_close") and len(stack) > 1:
            name, parts, href = stack.pop()
            inner = "".join(parts)
            wrapped = {
                "strong": d.strong,
                "em": d.em,
                "s": d.strike,
            }.get(name)
            if wrapped is not None:
                stack[-1][1].append(wrapped(inner))
            else:
                url = safe_url(href)
                stack[-1][1].append(d.link(url, inner) if url else inner)
        elif kind == "image":
            # An image cannot be shown in a chat message: its description stays.
            out.append(d.text(token.content))
        else:
            out.append(d.text(token.content))
    while len(stack) > 1:  # unbalanced (cannot happen with markdown-it): keep the words
        _, parts, _ = stack.pop()
        stack[-1][1].append("".join(parts))
    return "".join(stack[0][1])


def _indent(text: str, marker: str) -> str:
    pad = " " * len(marker)
    lines = text.split("\n")
    return "\n".join([marker + lines[0], *(pad + line if line else line for line in lines[1:])])


def _list(tokens: list[Token], d: Dialect, ordered: bool, start: int) -> str:
    items, index, number = [], 0, start
    while index < len(tokens):
        if tokens[index].type != "list_item_open":
            index += 1
            continue
        end = _close(tokens, index)
        inner = "\n".join(_blocks(tokens[index + 1 : end], d))
        items.append(_indent(inner, f"{number}. " if ordered else d.bullet))
        number += 1
        index = end + 1
    return "\n".join(items)


def _table(tokens: list[Token], d: Dialect) -> str:
    rows, index = [], 0
    while index < len(tokens):
        if tokens[index].type != "tr_open":
            index += 1
            continue
        end = _close(tokens, index)
        cells = [_inline(t.children or [], d) for t in tokens[index:end] if t.type == "inline"]
        rows.append(" | ".join(cells))
        index = end + 1
    return "\n".join(rows)


def _blocks(tokens: list[Token], d: Dialect) -> list[str]:
    out: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "inline":
            out.append(_inline(token.children or [], d))
        elif token.type in ("fence", "code_block"):
            out.append(d.pre(token.content.rstrip("\n")))
        elif token.type == "hr":
            out.append(d.rule)
        elif token.nesting == 1:
            end = _close(tokens, index)
            inner = tokens[index + 1 : end]
            kind = token.type[:-5]
            if kind == "heading":
                out.append(d.heading("".join(_blocks(inner, d))))
            elif kind in ("bullet_list", "ordered_list"):
                start = int(token.attrGet("start") or 1)
                out.append(_list(inner, d, kind == "ordered_list", start))
            elif kind == "blockquote":
                out.append(d.quote("\n\n".join(_blocks(inner, d))))
            elif kind == "table":
                out.append(_table(inner, d))
            else:
                out.extend(_blocks(inner, d))
            index = end
        index += 1
    return [block for block in out if block.strip()]


def blocks(text: str, d: Dialect) -> list[str]:
    """The body's top-level blocks (paragraphs, lists, quotes, code) in dialect `d`."""
    return _blocks(tokens(text), d)


def slack(text: str) -> str:
    return "\n\n".join(blocks(text, SLACK))


def markdown(text: str) -> str:
    return "\n\n".join(blocks(text, MARKDOWN))


def discord(text: str) -> str:
    return "\n\n".join(blocks(text, DISCORD))


def plain(text: str) -> str:
    return "\n\n".join(blocks(text, PLAIN))


def escape(text: str, d: Dialect) -> str:
    """A value (a name, a status) as literal text in dialect `d`."""
    return d.text(text)


@dataclass(frozen=True)
class Fitted:
    text: str
    cut: bool


def fit(parts: list[str], limit: int, d: Dialect, more: str = "") -> Fitted:
    """The blocks joined, or as many as fit in `limit` units followed by an ellipsis and
    `more` (a link to the whole update, already in the dialect)."""
    whole = "\n\n".join(parts)
    if units(whole) <= limit:
        return Fitted(whole, False)
    tail = f"{ELLIPSIS} {more}".rstrip() if more else ELLIPSIS
    room = limit - units(tail) - 1
    kept = ""
    for part in parts:
        joined = f"{kept}\n\n{part}" if kept else part
        if units(joined) <= room:
            kept = joined
            continue
        left = room - units(kept) - (2 if kept else 0)
        if left > 20:
            piece = d.cut(part, left)
            kept = f"{kept}\n\n{piece}" if kept and piece else (kept or piece)
        break
    if room <= 0:
        return Fitted(d.cut(tail, limit), True)
    return Fitted(f"{kept} {tail}" if kept else tail, True)
