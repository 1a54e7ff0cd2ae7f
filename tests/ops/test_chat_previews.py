"""bin/chat_previews.py draws the docs' chat pictures from Beacon's payloads: the HTML it makes
from them keeps the payload's text as text."""

import importlib.util
from types import ModuleType

from django.conf import settings


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "chat_previews", settings.BASE_DIR / "bin" / "chat_previews.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mrkdwn_becomes_html_with_the_text_escaped():
    previews = load()
    drawn = previews.mrkdwn_html(
        '*bold* _it_ ~gone~ `a<b>` &lt;script&gt; <https://example.com/?a=1&amp;b="2"|the *graph*>'
        "\n<javascript:alert(1)|click> \x000\x00"
    )
    assert drawn == (
        "<b>bold</b> <i>it</i> <s>gone</s> <code>a&lt;b&gt;</code> &lt;script&gt; "
        '<a href="https://example.com/?a=1&amp;b=&quot;2&quot;">the <b>graph</b></a>'
        "\nclick 0"
    )


def test_words_inside_a_word_keep_their_marks():
    previews = load()
    assert previews.mrkdwn_html("snake_case_name 2*3*4") == "snake_case_name 2*3*4"


def test_the_pictures_come_from_the_payloads_beacon_sends():
    previews = load()
    payloads = previews.sample_payloads()
    slack = previews.slack_html(payloads["slack"])
    assert '<a href="https://status.example.com/incidents/k3v9x2">' in slack
    assert "<b>about one request in five</b>" in slack
    assert "background:#e36209" in slack
    discord = previews.discord_html(payloads["discord"])
    assert "<strong>about one request in five</strong>" in discord
    assert "border-color:#e36209" in discord
    card = payloads["teams"]["attachments"][0]["content"]
    assert card["type"] == "AdaptiveCard"
