from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations have run; create them now so the
    # groups can be given them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    from pages.roles import sync_roles

    sync_roles(apps)


def remove_roles(apps, schema_editor):
    from pages.roles import PAGE_ADMIN, RESPONDER

    apps.get_model("auth", "Group").objects.filter(name__in=[RESPONDER, PAGE_ADMIN]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("components", "0002_component_status_permission"),
        ("incidents", "0001_initial"),
        ("maintenance", "0001_initial"),
        ("events", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
