from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from operator_api.services import create_api_key
from pages.models import Page


class Command(BaseCommand):
    help = "Create an operator API key for a page and print it once; only its hash is kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--page", default="default", help="Page id, or “default”.")
        parser.add_argument("--name", required=True, help="Who or what will use the key.")

    def handle(self, *args: Any, **options: Any) -> None:
        ref = options["page"]
        page = Page.objects.by_reference(ref)
        if page is None:
            raise CommandError(f"No page “{ref}”. Give a page id, or “default”.")
        try:
            api_key, key = create_api_key(page=page, name=options["name"], actor="createapikey")
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stderr.write(
            f"Created key “{api_key.name}” for page {page.pk} ({page.name}). "
            "It is shown only now; store it somewhere safe."
        )
        self.stdout.write(key)
