"""The README stays true to the code it describes."""

import re

from django.conf import settings

README = settings.BASE_DIR / "README.md"


def variables_read_by(path: str) -> set[str]:
    source = (settings.BASE_DIR / path).read_text()
    pattern = (
        r'(?:env|envbool|envint|envfloat|envlist|_int|_bool|os\.environ\.get)\(\s*["\']'
        r"([A-Z][A-Z0-9_]+)"
    )
    return set(re.findall(pattern, source))


def test_every_environment_variable_in_the_settings_is_documented():
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", README.read_text(), re.M))
    read = variables_read_by("statuspage/settings.py") | variables_read_by("statuspage/web.py")
    assert read - documented == set()


def test_the_quick_start_begins_with_the_run_and_test_commands():
    text = README.read_text()
    quick_start = text.split("## Quick start", 1)[1]
    first_block = re.search(r"```\w*\n(.*?)```", quick_start, re.S)
    assert first_block is not None
    assert first_block.group(1).strip().splitlines() == [
        # Running needs none of the development tools; bin/test installs them.
        "python -m pip install uv && python -m uv run --no-dev manage.py start",
        "bin/test",
    ]
