from django.contrib.auth.management import create_permissions
from django.db import migrations


def give_page_admins_subscribers(apps, schema_editor):
    # Page admins manage subscribers and see deliveries; permissions are normally created after
    # all migrations, so create this app's now.
    app_config = apps.get_app_config("subscribers")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    from pages.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("subscribers", "0001_initial"),
        ("pages", "0002_roles"),
    ]

    operations = [migrations.RunPython(give_page_admins_subscribers, migrations.RunPython.noop)]
