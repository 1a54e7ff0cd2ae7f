# components: the migrations 0001_initial to 0002_component_status_permission in one, squashed before the
# first release (docs/development.md, "Migrations"). A database that applied them all counts
# this one as applied.

import django.db.models.deletion
import statuspage.ids
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('components', '0001_initial'), ('components', '0002_component_status_permission')]

    initial = True

    dependencies = [
        ('pages', '0001_squashed_0008_membership_source'),
    ]

    operations = [
        migrations.CreateModel(
            name='ComponentGroup',
            fields=[
                ('id', models.CharField(default=statuspage.ids.new_code, editable=False, max_length=12, primary_key=True, serialize=False)),
                ('name', models.CharField(max_length=100)),
                ('description', models.TextField(blank=True)),
                ('position', models.PositiveIntegerField(default=1)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('page', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='groups', to='pages.page')),
            ],
            options={
                'ordering': ['position', 'name'],
            },
        ),
        migrations.CreateModel(
            name='Component',
            fields=[
                ('id', models.CharField(default=statuspage.ids.new_code, editable=False, max_length=12, primary_key=True, serialize=False)),
                ('name', models.CharField(max_length=100)),
                ('description', models.TextField(blank=True)),
                ('status', models.CharField(choices=[('operational', 'Operational'), ('degraded_performance', 'Degraded performance'), ('partial_outage', 'Partial outage'), ('major_outage', 'Major outage'), ('under_maintenance', 'Under maintenance')], default='operational', max_length=24)),
                ('position', models.PositiveIntegerField(default=1)),
                ('showcase', models.BooleanField(default=True, help_text='Show the 90-day uptime bar for this component.')),
                ('only_show_if_degraded', models.BooleanField(default=False, help_text='Hide from the public page while operational.')),
                ('start_date', models.DateField(blank=True, help_text='When the component went live; uptime starts here.', null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('page', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='components', to='pages.page')),
                ('group', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='components', to='components.componentgroup')),
            ],
            options={
                'ordering': ['position', 'name'],
                'permissions': [('change_component_status', 'Can change component statuses')],
            },
        ),
        migrations.CreateModel(
            name='ComponentStatusChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('old_status', models.CharField(choices=[('operational', 'Operational'), ('degraded_performance', 'Degraded performance'), ('partial_outage', 'Partial outage'), ('major_outage', 'Major outage'), ('under_maintenance', 'Under maintenance')], max_length=24)),
                ('new_status', models.CharField(choices=[('operational', 'Operational'), ('degraded_performance', 'Degraded performance'), ('partial_outage', 'Partial outage'), ('major_outage', 'Major outage'), ('under_maintenance', 'Under maintenance')], max_length=24)),
                ('changed_at', models.DateTimeField(db_index=True)),
                ('cause', models.CharField(choices=[('manual', 'Manual'), ('incident', 'Incident'), ('maintenance', 'Maintenance'), ('automation', 'Automation')], max_length=12)),
                ('cause_id', models.CharField(blank=True, max_length=12)),
                ('component', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='status_changes', to='components.component')),
            ],
            options={
                'ordering': ['changed_at', 'id'],
            },
        ),
        migrations.AddIndex(
            model_name='component',
            index=models.Index(fields=['page', 'position'], name='components__page_id_259a20_idx'),
        ),
        migrations.AddIndex(
            model_name='componentstatuschange',
            index=models.Index(fields=['component', 'changed_at'], name='components__compone_72d6a2_idx'),
        ),
    ]
