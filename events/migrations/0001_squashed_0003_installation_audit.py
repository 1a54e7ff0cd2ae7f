# events: the migrations 0001_initial to 0003_installation_audit in one, squashed before the
# first release (docs/development.md, "Migrations"). A database that applied them all counts
# this one as applied.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('events', '0001_initial'), ('events', '0002_outboxevent_fanned_out_at'), ('events', '0003_installation_audit')]

    initial = True

    dependencies = [
        ('pages', '0001_squashed_0008_membership_source'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('actor_label', models.CharField(max_length=150)),
                ('action', models.CharField(max_length=60)),
                ('object_type', models.CharField(max_length=40)),
                ('object_id', models.CharField(max_length=12)),
                ('object_repr', models.CharField(blank=True, max_length=200)),
                ('before', models.JSONField(blank=True, null=True)),
                ('after', models.JSONField(blank=True, null=True)),
                ('at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                ('page', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='audit_entries', to='pages.page')),
            ],
            options={
                'verbose_name_plural': 'audit entries',
                'ordering': ['-at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='OutboxEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('incident.opened', 'Incident opened'), ('incident.updated', 'Incident updated'), ('incident.resolved', 'Incident resolved'), ('incident.changed', 'Incident details changed'), ('incident.update_edited', 'Incident update edited'), ('postmortem.published', 'Postmortem published'), ('maintenance.scheduled', 'Maintenance scheduled'), ('maintenance.rescheduled', 'Maintenance rescheduled'), ('maintenance.reminder', 'Maintenance reminder'), ('maintenance.started', 'Maintenance started'), ('maintenance.updated', 'Maintenance updated'), ('maintenance.completed', 'Maintenance completed'), ('maintenance.cancelled', 'Maintenance cancelled'), ('component.status_changed', 'Component status changed'), ('components.changed', 'Components changed'), ('page.changed', 'Page changed')], max_length=40)),
                ('subject_type', models.CharField(max_length=20)),
                ('subject_id', models.CharField(max_length=12)),
                ('payload', models.JSONField(blank=True, default=dict)),
                ('notify', models.BooleanField(default=False)),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('published_at', models.DateTimeField(blank=True, null=True)),
                ('fanned_out_at', models.DateTimeField(blank=True, null=True)),
                ('page', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='pages.page')),
            ],
            options={
                'ordering': ['id'],
                'indexes': [models.Index(condition=models.Q(('published_at__isnull', True)), fields=['id'], name='outbox_unpublished_idx'), models.Index(condition=models.Q(('fanned_out_at__isnull', True)), fields=['id'], name='outbox_not_fanned_out_idx')],
            },
        ),
    ]
