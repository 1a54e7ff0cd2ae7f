import ast
from pathlib import Path

import pytest
from django.urls import resolve

from snapshots import documents

STORE = Path(documents.__file__).parent


def sample_path(route: documents.Route) -> str:
    return route.path_for(**dict.fromkeys(route.pattern.converters, "k3v9x2m1p0q7"))


def test_every_url_of_the_table_is_served_by_its_route_and_found_by_the_lane():
    assert documents.routes()
    for route in documents.routes():
        path = sample_path(route)
        match = resolve(path)
        assert match.kwargs.pop("route") is route, path
        assert documents.find(path) == (route, match.kwargs)


def test_the_publisher_renders_the_page_api_and_feeds_on_every_event_home_page_first():
    keys = documents.eager_keys()
    assert keys[:2] == ["/", "/fragments/home"]
    assert {"/history", "/brand.css", "/api/v2/summary.json", "/history.atom"} <= set(keys)
    assert documents.subject_keys("incident", "abc") == [
        "/incidents/abc",
        "/incidents/abc/fragment",
    ]
    assert documents.subject_keys("maintenance", "abc") == ["/maintenance/abc"]


@pytest.mark.parametrize(
    ("key", "found"),
    [
        ("/history?page=2", True),
        ("/history?page=1", False),  # the first page is stored as /history
        ("/history?page=1234567", False),
        ("/badge.svg?component=abc", True),
        ("/incidents/NOT-AN-ID", False),
        ("/?utm_source=x", False),
        ("/no-such-page", False),
    ],
)
def test_a_store_key_names_a_document_only_in_its_one_spelling(key, found):
    assert (documents.document(key) is not None) is found


def test_a_url_registered_twice_is_refused():
    route = documents.routes()[0]
    copy = documents.Route(route.route, "copy", route.make)
    with pytest.raises(ValueError, match="registered twice"):
        documents.register("tests", copy)


def test_the_store_imports_no_renderer():
    for module in STORE.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in {"public", "api"}, (module.name, name)
