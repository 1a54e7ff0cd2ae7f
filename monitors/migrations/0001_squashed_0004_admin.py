# monitors: the migrations 0001_initial to 0004_admin in one, squashed before the
# first release (docs/development.md, "Migrations"). A database that applied them all counts
# this one as applied.
#
# Its last step makes the role groups (pages/roles.py). It runs here, after every app whose
# permissions the roles name, so that the groups get all of them on a new database.

import django.db.models.deletion
import statuspage.ids
from django.db import migrations, models
from pages.roles import create_role_groups, remove_role_groups


class Migration(migrations.Migration):

    replaces = [('monitors', '0001_initial'), ('monitors', '0002_metrics'), ('monitors', '0004_admin')]

    initial = True

    dependencies = [
        ('components', '0001_squashed_0002_component_status_permission'),
        ('incidents', '0001_squashed_0002_metadata_and_reminders'),
        ('pages', '0001_squashed_0008_membership_source'),
        # For the role groups: the permissions of these apps.
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('events', '0001_squashed_0003_installation_audit'),
        ('hooks', '0001_initial'),
        ('maintenance', '0001_squashed_0002_metadata'),
        ('operator_api', '0001_initial'),
        ('subscribers', '0001_squashed_0005_chat_and_sms_channels'),
    ]

    operations = [
        migrations.CreateModel(
            name='Monitor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100)),
                ('kind', models.CharField(choices=[('http', 'HTTP(S)'), ('tcp', 'TCP port'), ('dns', 'DNS record'), ('heartbeat', 'Heartbeat')], default='http', max_length=12)),
                ('enabled', models.BooleanField(default=True)),
                ('interval_seconds', models.PositiveIntegerField(default=60)),
                ('timeout_seconds', models.FloatField(default=10.0)),
                ('target', models.CharField(blank=True, max_length=500)),
                ('port', models.PositiveIntegerField(blank=True, help_text='TCP only.', null=True)),
                ('method', models.CharField(choices=[('GET', 'GET'), ('HEAD', 'HEAD'), ('POST', 'POST')], default='GET', max_length=6)),
                ('expected_statuses', models.CharField(default='200-299', help_text='Status codes that count as up: codes and ranges, as 200-299,301.', max_length=100)),
                ('keyword', models.CharField(blank=True, help_text='Text the response body must contain.', max_length=200)),
                ('json_path', models.CharField(blank=True, help_text='A dotted path into a JSON body, as status.db or checks.0.ok.', max_length=200)),
                ('json_expected', models.CharField(blank=True, help_text='The value found at the JSON path, as text.', max_length=200)),
                ('headers', models.JSONField(blank=True, default=dict, help_text='Request headers, as JSON.')),
                ('body', models.TextField(blank=True, help_text='Request body (POST only).')),
                ('follow_redirects', models.BooleanField(default=True)),
                ('verify_tls', models.BooleanField(default=True)),
                ('tls_expiry_days', models.PositiveIntegerField(default=14, help_text='Degraded when the certificate expires within this many days; 0 turns it off.')),
                ('degraded_latency_ms', models.PositiveIntegerField(blank=True, help_text='Degraded when slower than this (milliseconds).', null=True)),
                ('dns_record_type', models.CharField(choices=[('A', 'A'), ('AAAA', 'AAAA'), ('CNAME', 'CNAME'), ('MX', 'MX'), ('TXT', 'TXT'), ('NS', 'NS')], default='A', max_length=6)),
                ('dns_expected', models.CharField(blank=True, help_text='Comma-separated values the answer must include; blank accepts any answer.', max_length=500)),
                ('dns_resolver', models.CharField(blank=True, help_text='Resolver as address or address:port; blank: system.', max_length=100)),
                ('heartbeat_token', models.CharField(blank=True, editable=False, max_length=64, null=True, unique=True)),
                ('grace_seconds', models.PositiveIntegerField(default=60)),
                ('last_ping_at', models.DateTimeField(blank=True, null=True)),
                ('regions', models.JSONField(blank=True, default=list)),
                ('regions_required', models.PositiveIntegerField(default=1)),
                ('down_after', models.PositiveIntegerField(default=3)),
                ('down_window', models.PositiveIntegerField(default=3)),
                ('up_after', models.PositiveIntegerField(default=2)),
                ('down_status', models.CharField(choices=[('degraded_performance', 'Degraded performance'), ('partial_outage', 'Partial outage'), ('major_outage', 'Major outage')], default='major_outage', max_length=24)),
                ('degraded_status', models.CharField(blank=True, choices=[('degraded_performance', 'Degraded performance'), ('partial_outage', 'Partial outage'), ('major_outage', 'Major outage')], default='degraded_performance', help_text='Status while degraded (slow, certificate expiring); blank leaves it alone.', max_length=24)),
                ('open_incident', models.BooleanField(default=False, help_text='Open an incident when it goes down, resolve it on recovery.')),
                ('state', models.CharField(choices=[('unknown', 'Unknown'), ('up', 'Up'), ('degraded', 'Degraded'), ('down', 'Down')], default='unknown', max_length=12)),
                ('state_since', models.DateTimeField(blank=True, null=True)),
                ('applied_status', models.CharField(blank=True, max_length=24)),
                ('previous_status', models.CharField(blank=True, max_length=24)),
                ('last_checked_at', models.DateTimeField(blank=True, null=True)),
                ('last_verdict', models.CharField(blank=True, choices=[('up', 'Up'), ('degraded', 'Degraded'), ('down', 'Down')], max_length=12)),
                ('last_latency_ms', models.FloatField(blank=True, null=True)),
                ('last_error', models.CharField(blank=True, max_length=300)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('component', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='monitors', to='components.component')),
                ('incident', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='incidents.incident')),
                ('incident_template', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to='incidents.incidenttemplate')),
                ('page', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='monitors', to='pages.page')),
            ],
            options={
                'ordering': ['name'],
                'permissions': [('check_monitor', 'Can check a monitor now')],
            },
        ),
        migrations.CreateModel(
            name='Metric',
            fields=[
                ('id', models.CharField(default=statuspage.ids.new_code, editable=False, max_length=12, primary_key=True, serialize=False)),
                ('name', models.CharField(max_length=100)),
                ('suffix', models.CharField(blank=True, help_text='The unit, as ms or %.', max_length=20)),
                ('tooltip_description', models.CharField(blank=True, max_length=500)),
                ('display', models.BooleanField(default=True, help_text='Show its chart on the public page.')),
                ('decimal_places', models.PositiveSmallIntegerField(default=0)),
                ('y_axis_min', models.FloatField(blank=True, null=True)),
                ('y_axis_max', models.FloatField(blank=True, null=True)),
                ('y_axis_hidden', models.BooleanField(default=False)),
                ('position', models.PositiveIntegerField(default=1)),
                ('most_recent_data_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('component', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='metrics', to='components.component')),
                ('page', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='metrics', to='pages.page')),
                ('monitor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='metrics', to='monitors.monitor')),
            ],
            options={
                'ordering': ['position', 'name'],
            },
        ),
        migrations.CreateModel(
            name='MonitorResult',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('region', models.CharField(blank=True, max_length=40)),
                ('checked_at', models.DateTimeField()),
                ('verdict', models.CharField(choices=[('up', 'Up'), ('degraded', 'Degraded'), ('down', 'Down')], max_length=12)),
                ('latency_ms', models.FloatField(blank=True, null=True)),
                ('status_code', models.PositiveIntegerField(blank=True, null=True)),
                ('error', models.CharField(blank=True, max_length=300)),
                ('monitor', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='results', to='monitors.monitor')),
            ],
            options={
                'ordering': ['-checked_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='MonitorRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('hour', models.DateTimeField()),
                ('checks', models.PositiveIntegerField(default=0)),
                ('up', models.PositiveIntegerField(default=0)),
                ('degraded', models.PositiveIntegerField(default=0)),
                ('down', models.PositiveIntegerField(default=0)),
                ('timed', models.PositiveIntegerField(default=0)),
                ('latency_sum_ms', models.FloatField(default=0.0)),
                ('latency_min_ms', models.FloatField(blank=True, null=True)),
                ('latency_max_ms', models.FloatField(blank=True, null=True)),
                ('monitor', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rollups', to='monitors.monitor')),
            ],
            options={
                'ordering': ['monitor', 'hour'],
            },
        ),
        migrations.CreateModel(
            name='MonitorSchedule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('region', models.CharField(blank=True, max_length=40)),
                ('next_due_at', models.DateTimeField(db_index=True)),
                ('lease_until', models.DateTimeField(blank=True, null=True)),
                ('lease_token', models.CharField(blank=True, max_length=32)),
                ('state', models.CharField(choices=[('unknown', 'Unknown'), ('up', 'Up'), ('degraded', 'Degraded'), ('down', 'Down')], default='unknown', max_length=12)),
                ('monitor', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='schedules', to='monitors.monitor')),
            ],
        ),
        migrations.CreateModel(
            name='MonitorTransition',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField()),
                ('region', models.CharField(blank=True, max_length=40)),
                ('old_state', models.CharField(choices=[('unknown', 'Unknown'), ('up', 'Up'), ('degraded', 'Degraded'), ('down', 'Down')], max_length=12)),
                ('new_state', models.CharField(choices=[('unknown', 'Unknown'), ('up', 'Up'), ('degraded', 'Degraded'), ('down', 'Down')], max_length=12)),
                ('action', models.CharField(choices=[('set_status', "Set the component's status"), ('restored', "Gave the component's status back"), ('opened_incident', 'Opened an incident'), ('resolved_incident', 'Resolved its incident'), ('held', 'Changed nothing: a person set the status'), ('maintenance', 'Changed nothing: the component is in maintenance'), ('none', 'Changed nothing')], max_length=20)),
                ('component_status', models.CharField(blank=True, max_length=24)),
                ('detail', models.CharField(blank=True, max_length=300)),
                ('incident', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='incidents.incident')),
                ('monitor', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='transitions', to='monitors.monitor')),
            ],
            options={
                'ordering': ['-at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='MetricPoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('timestamp', models.DateTimeField()),
                ('value', models.FloatField()),
                ('metric', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='points', to='monitors.metric')),
            ],
            options={
                'ordering': ['metric', 'timestamp'],
                'constraints': [models.UniqueConstraint(fields=('metric', 'timestamp'), name='one_point_per_time')],
            },
        ),
        migrations.AddConstraint(
            model_name='metric',
            constraint=models.CheckConstraint(condition=models.Q(('decimal_places__lte', 4)), name='metric_decimal_places_bounded', violation_error_message='Decimal places must be 0 to 4.'),
        ),
        migrations.AddConstraint(
            model_name='metric',
            constraint=models.CheckConstraint(condition=models.Q(('y_axis_min__isnull', True), ('y_axis_max__isnull', True), ('y_axis_min__lt', models.F('y_axis_max')), _connector='OR'), name='metric_y_axis_min_below_max', violation_error_message='The y-axis maximum must be above its minimum.'),
        ),
        migrations.AddIndex(
            model_name='monitorresult',
            index=models.Index(fields=['monitor', 'checked_at'], name='monitors_mo_monitor_ccd8c0_idx'),
        ),
        migrations.AddIndex(
            model_name='monitorresult',
            index=models.Index(fields=['checked_at'], name='monitors_mo_checked_eb83c6_idx'),
        ),
        migrations.AddConstraint(
            model_name='monitorrollup',
            constraint=models.UniqueConstraint(fields=('monitor', 'hour'), name='one_rollup_per_hour'),
        ),
        migrations.AddIndex(
            model_name='monitorschedule',
            index=models.Index(fields=['region', 'next_due_at'], name='monitors_mo_region_84a2a9_idx'),
        ),
        migrations.AddConstraint(
            model_name='monitorschedule',
            constraint=models.UniqueConstraint(fields=('monitor', 'region'), name='one_schedule_per_region'),
        ),
        migrations.AddIndex(
            model_name='monitortransition',
            index=models.Index(fields=['monitor', 'at'], name='monitors_mo_monitor_4397c5_idx'),
        ),
        migrations.RunPython(create_role_groups, remove_role_groups),
    ]
