# maintenance: the migrations 0001_initial to 0002_metadata in one, squashed before the
# first release (docs/development.md, "Migrations"). A database that applied them all counts
# this one as applied.

import django.core.validators
import django.db.models.deletion
import statuspage.ids
import statuspage.validators
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('maintenance', '0001_initial'), ('maintenance', '0002_metadata')]

    initial = True

    dependencies = [
        ('components', '0001_squashed_0002_component_status_permission'),
        ('pages', '0001_squashed_0008_membership_source'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Maintenance',
            fields=[
                ('id', models.CharField(default=statuspage.ids.new_code, editable=False, max_length=12, primary_key=True, serialize=False)),
                ('name', models.CharField(max_length=255)),
                ('monitoring_at', models.DateTimeField(blank=True, null=True)),
                ('resolved_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('status', models.CharField(choices=[('scheduled', 'Scheduled'), ('in_progress', 'In progress'), ('verifying', 'Verifying'), ('completed', 'Completed')], default='scheduled', max_length=12)),
                ('scheduled_for', models.DateTimeField(verbose_name='starts')),
                ('scheduled_until', models.DateTimeField(verbose_name='ends')),
                ('auto_start', models.BooleanField(default=True, help_text='Move to in progress when the window opens.', verbose_name='start automatically')),
                ('auto_complete', models.BooleanField(default=True, help_text='Complete when the window closes.', verbose_name='complete automatically')),
                ('set_components_under_maintenance', models.BooleanField(default=True, help_text='Show the affected components as under maintenance during the window, and restore their statuses afterwards.')),
                ('remind_minutes_before', models.PositiveIntegerField(blank=True, help_text='Remind subscribers this many minutes before the start.', null=True)),
                ('reminded_at', models.DateTimeField(blank=True, null=True)),
                ('restore_statuses', models.JSONField(blank=True, default=dict)),
                ('started_at', models.DateTimeField(blank=True, null=True)),
                ('cancelled_at', models.DateTimeField(blank=True, null=True)),
                ('sequence', models.PositiveIntegerField(default=0)),
                ('metadata', models.JSONField(blank=True, default=dict, validators=[statuspage.validators.validate_metadata])),
                ('components', models.ManyToManyField(blank=True, related_name='maintenances', to='components.component')),
                ('page', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='maintenances', to='pages.page')),
            ],
            options={
                'verbose_name': 'scheduled maintenance',
                'verbose_name_plural': 'scheduled maintenance',
                'ordering': ['-scheduled_for'],
            },
        ),
        migrations.CreateModel(
            name='MaintenanceUpdate',
            fields=[
                ('id', models.CharField(default=statuspage.ids.new_code, editable=False, max_length=12, primary_key=True, serialize=False)),
                ('body', models.TextField(validators=[django.core.validators.MaxLengthValidator(20000)])),
                ('display_at', models.DateTimeField()),
                ('affected_components', models.JSONField(blank=True, null=True)),
                ('deliver_notifications', models.BooleanField(default=True)),
                ('edited_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('status', models.CharField(choices=[('scheduled', 'Scheduled'), ('in_progress', 'In progress'), ('verifying', 'Verifying'), ('completed', 'Completed')], max_length=12)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                ('maintenance', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='updates', to='maintenance.maintenance')),
            ],
            options={
                'ordering': ['-display_at', '-created_at'],
                'abstract': False,
            },
        ),
        migrations.AddIndex(
            model_name='maintenance',
            index=models.Index(fields=['page', 'status', 'scheduled_for'], name='maintenance_page_id_7123b7_idx'),
        ),
        migrations.AddConstraint(
            model_name='maintenance',
            constraint=models.CheckConstraint(condition=models.Q(('scheduled_until__gt', models.F('scheduled_for'))), name='maintenance_ends_after_start'),
        ),
    ]
