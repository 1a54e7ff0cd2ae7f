# incidents: the migrations 0001_initial to 0002_metadata_and_reminders in one, squashed before the
# first release (docs/development.md, "Migrations"). A database that applied them all counts
# this one as applied.

import django.core.validators
import django.db.models.deletion
import incidents.models
import statuspage.ids
import statuspage.validators
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('incidents', '0001_initial'), ('incidents', '0002_metadata_and_reminders')]

    initial = True

    dependencies = [
        ('components', '0001_squashed_0002_component_status_permission'),
        ('pages', '0001_squashed_0008_membership_source'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Incident',
            fields=[
                ('id', models.CharField(default=statuspage.ids.new_code, editable=False, max_length=12, primary_key=True, serialize=False)),
                ('name', models.CharField(max_length=255)),
                ('monitoring_at', models.DateTimeField(blank=True, null=True)),
                ('resolved_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('status', models.CharField(choices=[('investigating', 'Investigating'), ('identified', 'Identified'), ('monitoring', 'Monitoring'), ('resolved', 'Resolved'), ('postmortem', 'Postmortem')], default='investigating', max_length=16)),
                ('impact', models.CharField(choices=[('none', 'None'), ('minor', 'Minor'), ('major', 'Major'), ('critical', 'Critical')], default='none', max_length=8)),
                ('impact_override', models.CharField(blank=True, choices=[('none', 'None'), ('minor', 'Minor'), ('major', 'Major'), ('critical', 'Critical')], max_length=8)),
                ('started_at', models.DateTimeField(help_text='When the incident began; may be back-dated.')),
                ('backfilled', models.BooleanField(default=False)),
                ('metadata', models.JSONField(blank=True, default=dict, validators=[statuspage.validators.validate_metadata])),
                ('reminder_intervals', models.CharField(blank=True, max_length=100, validators=[incidents.models.validate_reminder_intervals])),
                ('reminded_hours', models.JSONField(blank=True, default=list)),
                ('last_reminder_at', models.DateTimeField(blank=True, null=True)),
                ('components', models.ManyToManyField(blank=True, related_name='incidents', to='components.component')),
                ('page', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='incidents', to='pages.page')),
            ],
            options={
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='Postmortem',
            fields=[
                ('incident', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='postmortem', serialize=False, to='incidents.incident')),
                ('body', models.TextField(validators=[django.core.validators.MaxLengthValidator(20000)])),
                ('published_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
        ),
        migrations.CreateModel(
            name='IncidentTemplate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100)),
                ('title', models.CharField(blank=True, help_text='Incident name, when opening.', max_length=255)),
                ('status', models.CharField(blank=True, choices=[('investigating', 'Investigating'), ('identified', 'Identified'), ('monitoring', 'Monitoring'), ('resolved', 'Resolved'), ('postmortem', 'Postmortem')], max_length=16)),
                ('body', models.TextField(validators=[django.core.validators.MaxLengthValidator(20000)])),
                ('page', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='templates', to='pages.page')),
            ],
            options={
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='IncidentUpdate',
            fields=[
                ('id', models.CharField(default=statuspage.ids.new_code, editable=False, max_length=12, primary_key=True, serialize=False)),
                ('body', models.TextField(validators=[django.core.validators.MaxLengthValidator(20000)])),
                ('display_at', models.DateTimeField()),
                ('affected_components', models.JSONField(blank=True, null=True)),
                ('deliver_notifications', models.BooleanField(default=True)),
                ('edited_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('status', models.CharField(choices=[('investigating', 'Investigating'), ('identified', 'Identified'), ('monitoring', 'Monitoring'), ('resolved', 'Resolved'), ('postmortem', 'Postmortem')], max_length=16)),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                ('incident', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='updates', to='incidents.incident')),
            ],
            options={
                'ordering': ['-display_at', '-created_at'],
                'abstract': False,
            },
        ),
        migrations.AddIndex(
            model_name='incident',
            index=models.Index(fields=['page', 'status'], name='incidents_i_page_id_fa1b3d_idx'),
        ),
        migrations.AddIndex(
            model_name='incident',
            index=models.Index(fields=['page', '-started_at'], name='incidents_i_page_id_b5b0aa_idx'),
        ),
        migrations.AddIndex(
            model_name='incidentupdate',
            index=models.Index(fields=['incident', '-display_at'], name='incidents_i_inciden_a75ffa_idx'),
        ),
    ]
