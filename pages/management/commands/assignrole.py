from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pages.models import Page
from pages.roles import ROLES, assign_role


class Command(BaseCommand):
    help = "Give an operator a role on a page (responder or admin), adding them to its team."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("role", choices=list(ROLES))
        parser.add_argument("--page", default="default", help="Page id, or “default”.")

    def handle(self, *args: Any, **options: Any) -> None:
        ref = options["page"]
        page = Page.objects.by_reference(ref)
        if page is None:
            raise CommandError(f"No page “{ref}”. Give a page id, or “default”.")
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user “{options['username']}”.")
        membership = assign_role(user, options["role"], page, actor="assignrole")
        self.stdout.write(
            f"{user.get_username()} is {membership.get_role_display().lower()} on {page.name}."
        )
