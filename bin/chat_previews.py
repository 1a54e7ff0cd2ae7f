#!/usr/bin/env python3
"""Pictures of Beacon's chat messages for docs/notifications.md: Slack, Teams and Discord.

Each picture is drawn from the payload Beacon's own transports build at run time for one
sample notice, so the docs show what the templates make today. Slack and Discord are drawn by
the small HTML renderers below (the subset of Block Kit and embeds Beacon sends); the Teams card
is rendered by Microsoft's `adaptivecards` package, which lives outside the repo:

    npm install --prefix /tmp/ac adaptivecards@3 markdown-it

Usage: .venv/bin/python bin/chat_previews.py   (bin/screenshots also calls it)
The Slack picture is in Lato where it is installed (Debian: fonts-lato), as Slack is.
ADAPTIVECARDS_DIR names another node_modules folder; without the package the Teams picture is
skipped, with a message saying how to get it.
"""

import html
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
NODE_MODULES = Path(os.environ.get("ADAPTIVECARDS_DIR", "/tmp/ac/node_modules"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTH = 700
# Beacon's favicon, as the app's avatar.
AVATAR = (ROOT / "static" / "img" / "favicon.svg").read_text()
TIME = "07:40"

BODY = """\
Since 07:25 CET the public API answers **about one request in five** with an error. \
Requests from the EU are the most affected; the dashboard and webhooks are not.

- the deploy from 07:20 is being _rolled back_
- API keys and data are safe
- follow the error rate on [our Grafana board](https://grafana.example.com/d/api-errors)

Next update within 30 minutes."""


def _django() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "statuspage.settings")
    import django

    django.setup()


def sample_payloads() -> dict[str, dict[str, Any]]:
    """The payloads Beacon sends for a major outage on "API", from the transports themselves."""
    _django()
    from subscribers.chat.discord import DiscordTransport
    from subscribers.chat.notice import ChatNotice
    from subscribers.chat.slack import SlackTransport
    from subscribers.chat.teams import TeamsTransport

    page = "https://status.example.com"
    notice = ChatNotice(
        page_name="Example Status",
        page_url=page,
        heading="Major outage",
        name="Elevated API errors",
        url=f"{page}/incidents/k3v9x2",
        body=BODY,
        when="2 Dec 2026, 07:40 CET",
        components=[{"name": "API", "status": "Major outage"}],
        tone="major",
        unsubscribe_url=f"{page}/subscriptions/TOKEN/unsubscribe",
        manage_url=f"{page}/subscriptions/TOKEN",
    )
    return {
        "slack": SlackTransport().payload(notice),
        "teams": TeamsTransport().payload(notice),
        "discord": DiscordTransport().payload(notice),
    }


# --- Slack mrkdwn -------------------------------------------------------------------------

SLACK_LINK = re.compile(r"<([^<>\n]*)>")
SLACK_CODE = re.compile(r"`([^`\n]+)`")
SLACK_PRE = re.compile(r"```(.*?)```", re.S)
SLOT = re.compile(r"\x00(\d+)\x00")
SAFE_URL = re.compile(r"^(https?:|mailto:)", re.I)


def _mark(char: str, tag: str) -> tuple[re.Pattern[str], str]:
    c = re.escape(char)
    # Slack's rule: the marks hug the text and do not touch a word character outside.
    return re.compile(rf"(?<![\w{c}]){c}(?!\s)([^{c}\n]+?)(?<!\s){c}(?![\w{c}])"), tag


SLACK_MARKS = [_mark("*", "b"), _mark("_", "i"), _mark("~", "s")]


def _unslack(text: str) -> str:
    """Slack's three entities back to characters (they are escaped again for HTML)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _slack_inline(text: str) -> str:
    """One line or paragraph of mrkdwn as HTML: everything is escaped before any tag is made."""
    slots: list[str] = []

    def keep(fragment: str) -> str:
        slots.append(fragment)
        return f"\x00{len(slots) - 1}\x00"

    def link(match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target[:1] in "!@#":  # <!here>, <@U123>, <#C123>: Slack shows them as names
            return keep(f'<span class="mention">@{html.escape(label or target[1:])}</span>')
        url = _unslack(target)
        shown = _slack_inline(label) if label else html.escape(url)
        if not SAFE_URL.match(url):
            return keep(shown)
        return keep(f'<a href="{html.escape(url, quote=True)}">{shown}</a>')

    text = text.replace("\x00", "")  # the slots' own marker never comes from the text
    text = SLACK_PRE.sub(lambda m: keep(f"<pre>{html.escape(_unslack(m[1]))}</pre>"), text)
    text = SLACK_CODE.sub(lambda m: keep(f"<code>{html.escape(_unslack(m[1]))}</code>"), text)
    text = SLACK_LINK.sub(link, text)
    text = html.escape(_unslack(text), quote=False)
    for pattern, tag in SLACK_MARKS:
        text = pattern.sub(rf"<{tag}>\1</{tag}>", text)
    # One pass: a slot holds finished HTML (a link's label was converted on its own).
    return SLOT.sub(lambda m: slots[int(m[1])], text)


def mrkdwn_html(text: str) -> str:
    """Slack mrkdwn as HTML: lines starting with ">" are quotes, line breaks are kept (the
    element has `white-space: pre-wrap`), "• " lists are plain lines, as in Slack."""
    out: list[str] = []
    for line in text.split("\n"):
        if line.startswith(">"):
            out.append(f'<span class="quote">{_slack_inline(line[1:].lstrip())}</span>')
        else:
            out.append(_slack_inline(line))
    return "\n".join(out)


def _slack_block(block: dict[str, Any]) -> str:
    kind = block.get("type")
    if kind == "section":
        return f'<div class="section">{mrkdwn_html(block["text"]["text"])}</div>'
    if kind == "context":
        parts = "".join(
            f"<span>{mrkdwn_html(e['text'])}</span>"
            for e in block.get("elements", [])
            if e.get("type") == "mrkdwn"
        )
        return f'<div class="context">{parts}</div>'
    raise ValueError(
        f"the Slack preview does not draw {kind!r} blocks; add it to bin/chat_previews.py"
    )


SLACK_CSS = """
body { margin: 0; background: #fff; font: 15px/1.46668 Lato, "Slack-Lato", "Helvetica Neue",
  "Liberation Sans", Arial, sans-serif; color: #1d1c1d; -webkit-font-smoothing: antialiased; }
.channel { border-bottom: 1px solid #e2e2e2; padding: 12px 20px; font-weight: 900;
  font-size: 18px; }
.channel span { color: #616061; font-weight: 400; }
.msg { display: flex; gap: 8px; padding: 12px 20px 16px; }
.avatar { width: 36px; height: 36px; border-radius: 6px; background: #e8f3ea; flex: none;
  display: grid; place-items: center; }
.avatar svg { width: 26px; height: 26px; }
.main { min-width: 0; flex: 1; }
.who { line-height: 22px; }
.who b { font-weight: 900; }
.app { font-size: 10px; font-weight: 700; background: rgba(29,28,29,.13);
  color: rgba(29,28,29,.7); border-radius: 2px; padding: 1px 3px; margin: 0 4px;
  vertical-align: 1px; }
.time { font-size: 12px; color: #616061; }
.section { white-space: pre-wrap; word-break: break-word; }
.section + .section, .section + .context { margin-top: 8px; }
a { color: #1264a3; text-decoration: none; }
code { font: 12px Monaco, Menlo, "DejaVu Sans Mono", monospace; color: #c01343;
  background: rgba(29,28,29,.04); border: 1px solid rgba(29,28,29,.13); border-radius: 3px;
  padding: 2px 3px 1px; }
pre { font: 12px/1.5 Monaco, Menlo, "DejaVu Sans Mono", monospace; margin: 4px 0;
  background: rgba(29,28,29,.04); border: 1px solid rgba(29,28,29,.13); border-radius: 4px;
  padding: 8px; white-space: pre-wrap; }
.quote { display: block; border-left: 4px solid #ddd; padding-left: 12px; }
.attachment { display: flex; margin-top: 4px; }
.bar { width: 4px; border-radius: 8px; flex: none; }
.attachment .blocks { padding: 0 0 0 12px; min-width: 0; }
.context { display: flex; flex-wrap: wrap; gap: 4px 8px; font-size: 12px; line-height: 1.5;
  color: #616061; white-space: pre-wrap; }
.mention { background: rgba(29,155,209,.1); color: #1264a3; border-radius: 3px; padding: 0 2px; }
"""


def slack_html(payload: dict[str, Any]) -> str:
    blocks = "".join(_slack_block(b) for b in payload.get("blocks", []))
    for attachment in payload.get("attachments", []):
        colour = attachment.get("color", "#ddd")
        if not re.fullmatch(r"#[0-9a-fA-F]{3,8}", colour):
            raise ValueError(f"unexpected attachment colour {colour!r}")
        inner = "".join(_slack_block(b) for b in attachment.get("blocks", []))
        blocks += (
            f'<div class="attachment"><div class="bar" style="background:{colour}"></div>'
            f'<div class="blocks">{inner}</div></div>'
        )
    return f"""<!doctype html><meta charset="utf-8"><style>{SLACK_CSS}</style>
<div class="channel"># status <span>· incident updates</span></div>
<div class="msg"><div class="avatar">{AVATAR}</div><div class="main">
<div class="who"><b>Beacon</b><span class="app">APP</span><span class="time">{TIME}</span></div>
{blocks}</div></div>"""


# --- Discord embed ------------------------------------------------------------------------

DISCORD_CSS = """
body { margin: 0; background: #313338; color: #dbdee1; font: 16px/1.375 "gg sans",
  "Noto Sans", "Helvetica Neue", "Liberation Sans", Arial, sans-serif; }
.msg { display: flex; gap: 16px; padding: 16px 16px 18px; }
.avatar { width: 40px; height: 40px; border-radius: 50%; flex: none; overflow: hidden; }
.avatar svg { width: 40px; height: 40px; display: block; }
.who b { color: #f2f3f5; font-weight: 600; }
.app { background: #5865f2; color: #fff; font-size: 10px; font-weight: 600; border-radius: 3px;
  padding: 1px 4px; margin: 0 4px; vertical-align: 2px; }
.time { color: #949ba4; font-size: 12px; }
.embed { margin-top: 4px; max-width: 520px; background: #2b2d31; border-left: 4px solid;
  border-radius: 4px; padding: 8px 16px 16px 12px; font-size: 14px; }
.title { color: #00a8fc; font-weight: 600; font-size: 16px; margin-top: 8px; }
.title a { color: inherit; text-decoration: none; }
.description { margin-top: 8px; line-height: 1.375; }
.description p, .description ul { margin: 0 0 4px; }
.description ul { padding-left: 20px; }
.description a { color: #00a8fc; text-decoration: none; }
.description strong { font-weight: 700; color: #f2f3f5; }
.fields { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px; margin-top: 8px; }
.field b { display: block; color: #f2f3f5; font-weight: 600; margin-bottom: 2px; }
.footer { margin-top: 8px; color: #dbdee1; font-size: 12px; font-weight: 500; }
"""


def discord_html(payload: dict[str, Any]) -> str:
    from markdown_it import MarkdownIt

    # CommonMark with raw HTML off: the description's markup becomes tags, anything else text.
    parser = MarkdownIt("commonmark", {"html": False}).enable("strikethrough")
    embeds = []
    for embed in payload.get("embeds", []):
        colour = f"#{int(embed.get('color', 0)):06x}"
        title = html.escape(embed.get("title", ""))
        url = embed.get("url", "")
        if url and SAFE_URL.match(url):
            title = f'<a href="{html.escape(url, quote=True)}">{title}</a>'
        fields = "".join(
            f'<div class="field"><b>{html.escape(f["name"])}</b>{html.escape(f["value"])}</div>'
            for f in embed.get("fields", [])
        )
        embeds.append(
            f'<div class="embed" style="border-color:{colour}">'
            f'<div class="title">{title}</div>'
            f'<div class="description">{parser.render(embed.get("description", ""))}</div>'
            + (f'<div class="fields">{fields}</div>' if fields else "")
            + f'<div class="footer">{html.escape(embed.get("footer", {}).get("text", ""))}</div>'
            "</div>"
        )
    return f"""<!doctype html><meta charset="utf-8"><style>{DISCORD_CSS}</style>
<div class="msg"><div class="avatar">{AVATAR}</div><div class="main">
<div class="who"><b>Beacon</b><span class="app">APP</span>
<span class="time">Today at {TIME}</span></div>
{"".join(embeds)}</div></div>"""


# --- Teams, by Microsoft's renderer -------------------------------------------------------

# A host config in the manner of Teams' light theme (Segoe UI, its greys and status colours).
TEAMS_FONT = "'Segoe UI', 'Helvetica Neue', 'Liberation Sans', Arial, sans-serif"


def _colours(default: str, subtle: str) -> dict[str, str]:
    return {"default": default, "subtle": subtle}


TEAMS_FOREGROUND = {
    "default": _colours("#242424", "#616161"),
    "dark": _colours("#242424", "#616161"),
    "light": _colours("#ffffff", "#f5f5f5"),
    "accent": _colours("#5b5fc7", "#4f52b2"),
    "good": _colours("#0e700e", "#107c10"),
    "warning": _colours("#835b00", "#8a5e00"),
    "attention": _colours("#c50f1f", "#b10e1c"),
}
TEAMS_HOST_CONFIG = {
    "supportsInteractivity": True,
    "fontFamily": TEAMS_FONT,
    "spacing": {
        "small": 4,
        "default": 8,
        "medium": 16,
        "large": 20,
        "extraLarge": 24,
        "padding": 16,
    },
    "separator": {"lineThickness": 1, "lineColor": "#e0e0e0"},
    "fontSizes": {"small": 12, "default": 14, "medium": 16, "large": 18, "extraLarge": 24},
    "fontWeights": {"lighter": 300, "default": 400, "bolder": 600},
    "lineHeights": {"small": 16, "default": 20, "medium": 22, "large": 24, "extraLarge": 32},
    "containerStyles": {
        "default": {"backgroundColor": "#ffffff", "foregroundColors": TEAMS_FOREGROUND},
        "emphasis": {"backgroundColor": "#f5f5f5", "foregroundColors": TEAMS_FOREGROUND},
        "accent": {"backgroundColor": "#ebf3fc", "foregroundColors": TEAMS_FOREGROUND},
        "good": {"backgroundColor": "#f1faf1", "foregroundColors": TEAMS_FOREGROUND},
        "attention": {"backgroundColor": "#fdf3f4", "foregroundColors": TEAMS_FOREGROUND},
        "warning": {"backgroundColor": "#fff9f5", "foregroundColors": TEAMS_FOREGROUND},
    },
    "actions": {
        "maxActions": 6,
        "spacing": "default",
        "buttonSpacing": 8,
        "showCard": {"actionMode": "inline"},
        "actionsOrientation": "horizontal",
        "actionAlignment": "left",
    },
    "factSet": {
        "title": {"weight": "bolder", "size": "default", "wrap": True, "maxWidth": 150},
        "value": {"wrap": True},
        "spacing": 16,
    },
}

TEAMS_CSS = f"""
body {{ margin: 0; background: #f5f5f5; font: 14px/20px {TEAMS_FONT}; color: #242424; }}
.post {{ display: flex; gap: 12px; padding: 20px 24px 24px 20px; }}
.avatar {{ width: 32px; height: 32px; border-radius: 4px; flex: none; overflow: hidden;
  background: #e8f3ea; display: grid; place-items: center; }}
.avatar svg {{ width: 24px; height: 24px; }}
.bubble {{ flex: 1; min-width: 0; background: #fff; border-radius: 6px;
  box-shadow: 0 1px 2px rgba(0,0,0,.14), 0 0 2px rgba(0,0,0,.12); padding: 8px 16px 16px; }}
.who {{ font-size: 12px; color: #616161; margin-bottom: 8px; }}
.who b {{ color: #242424; font-weight: 600; margin-right: 8px; }}
.card {{ border: 1px solid #e0e0e0; border-radius: 4px; overflow: hidden; }}
.card a {{ color: #5b5fc7; text-decoration: none; }}
.card p {{ margin: 0 0 8px; }} .card p:last-child {{ margin: 0; }}
.card ul {{ margin: 0 0 8px; padding-left: 20px; }}
.ac-pushButton {{ font: 600 14px {TEAMS_FONT}; color: #242424; background: #fff;
  border: 1px solid #d1d1d1; border-radius: 4px; padding: 5px 12px; min-height: 32px;
  cursor: pointer; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }}
"""

TEAMS_RENDER = """
([card, hostConfig]) => {
  const md = window.markdownit({ html: false, linkify: false });
  AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => {
    result.outputHtml = md.render(text);
    result.didProcess = true;
  };
  const adaptive = new AdaptiveCards.AdaptiveCard();
  adaptive.hostConfig = new AdaptiveCards.HostConfig(hostConfig);
  const context = new AdaptiveCards.SerializationContext();
  adaptive.parse(card, context);
  const events = [];
  for (let i = 0; i < context.eventCount; i++) events.push(context.getEventAt(i).message);
  document.getElementById("card").appendChild(adaptive.render());
  return events;
}
"""


def teams_html() -> str:
    return f"""<!doctype html><meta charset="utf-8"><style>{TEAMS_CSS}</style>
<div class="post"><div class="avatar">{AVATAR}</div><div class="bubble">
<div class="who"><b>Beacon</b>{TIME}</div><div class="card" id="card"></div></div></div>"""


def _scripts() -> list[Path]:
    return [
        NODE_MODULES / "adaptivecards" / "dist" / "adaptivecards.min.js",
        NODE_MODULES / "markdown-it" / "dist" / "browser" / "markdown-it.umd.min.js",
    ]


def write(browser: Browser, out: Path = OUT) -> list[Path]:
    """Draws the chat pictures into `out` with `browser`; returns the files written."""
    payloads = sample_payloads()
    written = []

    def shoot(name: str, page_html: str, before: Any = None) -> None:
        page = browser.new_page(viewport={"width": WIDTH, "height": 300}, device_scale_factor=2)
        try:
            page.set_content(page_html)
            if before:
                before(page)
            path = out / f"chat-{name}.png"
            page.screenshot(path=path, full_page=True)
            written.append(path)
        finally:
            page.close()

    shoot("slack", slack_html(payloads["slack"]))
    shoot("discord", discord_html(payloads["discord"]))
    missing = [str(p) for p in _scripts() if not p.is_file()]
    if missing:
        print(
            "chat-teams.png skipped: the adaptivecards package is missing "
            f"({', '.join(missing)}). Install it with "
            "`npm install --prefix /tmp/ac adaptivecards@3 markdown-it` "
            "or point ADAPTIVECARDS_DIR at its node_modules.",
            file=sys.stderr,
        )
        return written
    card = payloads["teams"]["attachments"][0]["content"]

    def render_card(page: Any) -> None:
        for script in _scripts():
            page.add_script_tag(path=script)
        events = page.evaluate(TEAMS_RENDER, [card, TEAMS_HOST_CONFIG])
        if events:
            raise RuntimeError("the Adaptive Card renderer reported: " + json.dumps(events))

    shoot("teams", teams_html(), render_card)
    return written


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        try:
            for path in write(browser):
                print(f"Wrote {path.relative_to(ROOT)}")
        finally:
            browser.close()


if __name__ == "__main__":
    main()
