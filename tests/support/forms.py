"""Admin forms as a browser posts them."""

from pages.models import Page


def page_form_data(page: Page, **ticked: bool) -> dict[str, str]:
    """The page's change form, with the feeds box ticked and each box in `ticked` ticked or not;
    an unticked box is left out of the post, as a browser does."""
    data = {
        "name": page.name,
        "url": page.url,
        "domain": "",
        "is_default": "on",
        "time_zone": page.time_zone,
        "brand_colour": page.brand_colour,
        "support_url": "",
        "footer_links": "[]",
    }
    ticked = {"allow_rss_atom_feeds": True} | ticked
    data.update({name: "on" for name, on in ticked.items() if on})
    return data
