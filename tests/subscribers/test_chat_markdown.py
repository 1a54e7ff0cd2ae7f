"""Update bodies in each chat provider's formatting: what the operator wrote shows as written,
and nothing in a body becomes a mention, a link or markup they did not write."""

import pytest

from subscribers.chat import markdown as md


def test_slack_gets_mrkdwn_with_its_own_links_and_emphasis():
    text = "We are **investigating** _errors_ ~~not~~ on `api`. See [the docs](https://ex.com/a?b=1&c=2)."

    assert md.slack(text) == (
        "We are *investigating* _errors_ ~not~ on `api`. "
        "See <https://ex.com/a?b=1&amp;c=2|the docs>."
    )


def test_slack_escapes_what_would_be_a_mention_or_a_link():
    text = "Ping <!channel> and <@U123> & <https://evil.example|click>"

    # The last is a CommonMark autolink: it stays a link to what was written, and its "|"
    # cannot start a label of Slack's.
    assert md.slack(text) == (
        "Ping &lt;!channel&gt; and &lt;@U123&gt; &amp; "
        "<https://evil.example%7Cclick|https://evil.example|click>"
    )


def test_discord_breaks_everyone_and_here_and_escapes_markup_in_text():
    text = "Hey @everyone and @here, \\*not bold\\* <@&123>"

    assert md.discord(text) == ("Hey @\u200beveryone and @\u200bhere, \\*not bold\\* \\<@&123\\>")


def test_discord_and_teams_get_the_commonmark_subset():
    text = "# Impact\n\n**API** is *slow*.\n\n- one\n- two\n\n> quoted"

    assert md.markdown(text) == "**Impact**\n\n**API** is *slow*.\n\n- one\n- two\n\n> quoted"


def test_plain_text_keeps_the_words_and_spells_links_out():
    assert md.plain("**Bold** [docs](https://ex.com) `x`") == "Bold docs (https://ex.com) x"


@pytest.mark.parametrize("convert", [md.slack, md.discord, md.plain])
def test_what_a_chat_cannot_show_is_dropped_to_its_words(convert):
    text = (
        "![a diagram](https://ex.com/x.png)\n\n"
        "| Region | State |\n|---|---|\n| EU | ok |\n\n<b>raw</b>"
    )

    out = convert(text)

    assert "a diagram" in out and "x.png" not in out
    assert "Region | State" in out and "EU | ok" in out
    assert "<b>" not in out or convert is md.plain


@pytest.mark.parametrize("convert", [md.slack, md.discord])
def test_only_web_and_mail_links_become_links(convert):
    out = convert("[x](javascript:alert(1)) [y](ftp://ex.com/f) [z](mailto:ops@example.com)")

    # A link markdown-it refuses stays text: Slack gets no <link>, Discord escaped brackets.
    assert "<javascript" not in out
    assert convert is md.slack or "\\[x\\]\\(javascript" in out
    assert "ftp://ex.com/f" not in out
    assert "mailto:ops@example.com" in out


@pytest.mark.parametrize(
    ("dialect", "more"),
    [
        (md.SLACK, "<https://ex.com/i|Read the full update>"),
        (md.DISCORD, "[Read](https://ex.com/i)"),
    ],
)
def test_a_long_body_is_cut_between_links_with_an_ellipsis_and_the_link(dialect, more):
    body = " ".join(f"[link {n}](https://ex.com/{n}) & text" for n in range(400))

    fitted = md.fit(md.blocks(body, dialect), 3000, dialect, more)

    assert fitted.cut
    assert md.units(fitted.text) <= 3000
    assert fitted.text.endswith(f"… {more}")
    kept = fitted.text[: -len(more)]
    if dialect is md.SLACK:
        assert kept.count("<") == kept.count(">")
        assert not kept.rstrip("… ").endswith("&amp")
    else:
        assert kept.count("[") == kept.count("]") == kept.count("(") == kept.count(")")


def test_an_open_code_block_is_not_left_open_by_a_cut():
    body = "```\n" + "line of code\n" * 500 + "```"

    fitted = md.fit(md.blocks(body, md.SLACK), 3000, md.SLACK, "<https://ex.com|more>")

    assert fitted.text.count("```") % 2 == 0


def test_a_short_body_is_left_whole():
    assert md.fit(["one", "two"], 3000, md.SLACK, "more") == md.Fitted("one\n\ntwo", False)


def test_lengths_count_as_the_providers_do():
    assert md.units("🚨") == 2
