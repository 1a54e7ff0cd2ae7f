# subscribers: the migrations 0001_initial to 0005_chat_and_sms_channels in one, squashed before the
# first release (docs/development.md, "Migrations"). A database that applied them all counts
# this one as applied.

import django.db.models.deletion
import django.utils.timezone
import statuspage.ids
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('subscribers', '0001_initial'), ('subscribers', '0002_roles'), ('subscribers', '0003_incident_subscribers'), ('subscribers', '0004_delivery_lease'), ('subscribers', '0005_chat_and_sms_channels')]

    initial = True

    dependencies = [
        ('components', '0001_squashed_0002_component_status_permission'),
        ('events', '0001_squashed_0003_installation_audit'),
        ('incidents', '0001_squashed_0002_metadata_and_reminders'),
        ('pages', '0001_squashed_0008_membership_source'),
    ]

    operations = [
        migrations.CreateModel(
            name='Heartbeat',
            fields=[
                ('name', models.CharField(max_length=20, primary_key=True, serialize=False)),
                ('seen_at', models.DateTimeField()),
            ],
        ),
        migrations.CreateModel(
            name='NotificationEvent',
            fields=[
            ],
            options={
                'verbose_name': 'notification',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('events.outboxevent',),
        ),
        migrations.CreateModel(
            name='Subscriber',
            fields=[
                ('id', models.CharField(default=statuspage.ids.new_code, editable=False, max_length=12, primary_key=True, serialize=False)),
                ('channel', models.CharField(choices=[('email', 'Email'), ('webhook', 'Webhook'), ('slack', 'Slack'), ('teams', 'Microsoft Teams'), ('discord', 'Discord'), ('google_chat', 'Google Chat'), ('sms', 'SMS')], default='email', max_length=12)),
                ('email', models.EmailField(blank=True, max_length=254)),
                ('endpoint', models.URLField(blank=True, max_length=500)),
                ('phone_number', models.CharField(blank=True, max_length=16)),
                ('phone_country', models.CharField(blank=True, max_length=2)),
                ('code_digest', models.CharField(blank=True, max_length=64)),
                ('code_sent_at', models.DateTimeField(blank=True, null=True)),
                ('code_attempts', models.PositiveSmallIntegerField(default=0)),
                ('secret', models.CharField(blank=True, max_length=64)),
                ('all_components', models.BooleanField(default=True)),
                ('state', models.CharField(choices=[('unconfirmed', 'Unconfirmed'), ('active', 'Active'), ('unsubscribed', 'Unsubscribed'), ('suppressed', 'Suppressed')], default='unconfirmed', max_length=12)),
                ('confirmation_sent_at', models.DateTimeField(blank=True, null=True)),
                ('confirmation_due', models.BooleanField(default=False)),
                ('confirmed_at', models.DateTimeField(blank=True, null=True)),
                ('unsubscribed_at', models.DateTimeField(blank=True, null=True)),
                ('suppressed_at', models.DateTimeField(blank=True, null=True)),
                ('suppressed_reason', models.CharField(blank=True, max_length=300)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('components', models.ManyToManyField(blank=True, related_name='subscribers', to='components.component')),
                ('incident', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='subscribers', to='incidents.incident')),
                ('page', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='subscribers', to='pages.page')),
            ],
            options={
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='Delivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('pending', 'Pending'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed'), ('suppressed', 'Suppressed')], default='pending', max_length=10)),
                ('attempts', models.PositiveIntegerField(default=0)),
                ('next_attempt_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('claimed_at', models.DateTimeField(blank=True, null=True)),
                ('claim', models.CharField(blank=True, max_length=32)),
                ('lease_until', models.DateTimeField(blank=True, null=True)),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('last_error', models.TextField(blank=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='events.outboxevent')),
                ('subscriber', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='subscribers.subscriber')),
            ],
            options={
                'verbose_name_plural': 'deliveries',
                'ordering': ['id'],
            },
        ),
        migrations.AddIndex(
            model_name='subscriber',
            index=models.Index(fields=['page', 'state'], name='subscribers_page_id_3f0765_idx'),
        ),
        migrations.AddConstraint(
            model_name='subscriber',
            constraint=models.UniqueConstraint(condition=models.Q(('channel', 'email'), ('incident__isnull', True)), fields=('page', 'email'), name='one_email_subscriber_per_address'),
        ),
        migrations.AddConstraint(
            model_name='subscriber',
            constraint=models.UniqueConstraint(condition=models.Q(('channel', 'email'), ('incident__isnull', False)), fields=('incident', 'email'), name='one_incident_subscriber_per_address'),
        ),
        migrations.AddConstraint(
            model_name='subscriber',
            constraint=models.UniqueConstraint(condition=models.Q(('channel', 'webhook')), fields=('page', 'endpoint'), name='one_webhook_subscriber_per_endpoint'),
        ),
        migrations.AddConstraint(
            model_name='subscriber',
            constraint=models.UniqueConstraint(condition=models.Q(('channel__in', ('slack', 'teams', 'discord', 'google_chat'))), fields=('page', 'channel', 'endpoint'), name='one_chat_subscriber_per_endpoint'),
        ),
        migrations.AddConstraint(
            model_name='subscriber',
            constraint=models.UniqueConstraint(condition=models.Q(('channel', 'sms')), fields=('page', 'phone_number'), name='one_sms_subscriber_per_number'),
        ),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(condition=models.Q(('status', 'pending')), fields=['next_attempt_at'], name='delivery_pending_idx'),
        ),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(condition=models.Q(('status', 'sending')), fields=['lease_until'], name='delivery_lease_idx'),
        ),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(fields=['claim'], name='delivery_claim_idx'),
        ),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(fields=['event', 'status'], name='subscribers_event_i_408822_idx'),
        ),
        migrations.AddConstraint(
            model_name='delivery',
            constraint=models.UniqueConstraint(fields=('event', 'subscriber'), name='one_delivery_per_event'),
        ),
    ]
