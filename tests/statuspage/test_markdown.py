from statuspage.markdown import render_markdown


def test_markdown_keeps_formatting_headings_and_safe_links():
    html = render_markdown("## What happened\n\n**Bold** and [docs](https://docs.example.com)")
    assert "<h2>What happened</h2>" in html
    assert "<strong>Bold</strong>" in html
    assert 'href="https://docs.example.com"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_script_html_and_javascript_links_are_rendered_inert():
    html = render_markdown(
        '<script>alert(1)</script> <img src=x onerror="alert(2)"> [click](javascript:alert(3))'
    )
    assert "<script" not in html
    assert "<img" not in html
    assert "href=" not in html
    assert "&lt;script&gt;" in html
