# pages: the migrations 0001_initial to 0008_membership_source in one, squashed before the
# first release (docs/development.md, "Migrations"). A database that applied them all counts
# this one as applied.

import django.core.validators
import django.db.models.deletion
import pages.models
import statuspage.ids
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    replaces = [('pages', '0001_initial'), ('pages', '0002_roles'), ('pages', '0003_allow_rss_atom_feeds'), ('pages', '0004_page_subscription_switches'), ('pages', '0005_chat_and_sms_channels'), ('pages', '0006_visibility'), ('pages', '0007_memberships'), ('pages', '0008_membership_source')]

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Page',
            fields=[
                ('id', models.CharField(default=statuspage.ids.new_code, editable=False, max_length=12, primary_key=True, serialize=False)),
                ('name', models.CharField(max_length=100)),
                ('url', models.URLField(verbose_name='public URL')),
                ('domain', models.CharField(blank=True, db_index=True, max_length=200)),
                ('extra_domains', models.JSONField(blank=True, default=list, help_text='Other host names this page answers at, such as an old domain.', verbose_name='extra host names')),
                ('is_default', models.BooleanField(default=False)),
                ('time_zone', models.CharField(default='UTC', max_length=64, validators=[pages.models.validate_time_zone])),
                ('logo', models.ImageField(blank=True, upload_to='logos/')),
                ('brand_colour', models.CharField(default='#1f6feb', max_length=7, validators=[django.core.validators.RegexValidator('^#[0-9a-fA-F]{6}$', 'Enter a colour as #rrggbb, such as #1f6feb.')])),
                ('support_url', models.URLField(blank=True, verbose_name='support link')),
                ('footer_links', models.JSONField(blank=True, default=list, help_text='A list of {"label": ..., "url": ...} objects.')),
                ('allow_rss_atom_feeds', models.BooleanField(default=True, help_text='Serve the incident history at /history.atom and /history.rss and link to them from the page. Off: both answer 404.', verbose_name='offer Atom and RSS feeds')),
                ('allow_page_subscribers', models.BooleanField(default=True, help_text='Offer the public subscribe forms (/subscribe, /subscribe/webhook) and link to them from the page. Off: both refuse sign-ups and the page shows no Subscribe link. Existing subscribers keep getting notifications.', verbose_name='visitors may subscribe to the page')),
                ('allow_email_subscribers', models.BooleanField(default=True, help_text='Offer email sign-up at /subscribe. Off: the form refuses new addresses. Existing email subscribers keep getting notifications.', verbose_name='visitors may subscribe by email')),
                ('allow_webhook_subscribers', models.BooleanField(default=True, help_text='Offer webhook sign-up at /subscribe/webhook. Off: the form refuses new endpoints. Existing webhook subscribers keep getting notifications.', verbose_name='visitors may subscribe a webhook')),
                ('allow_slack_subscribers', models.BooleanField(default=False, help_text='Offer Slack incoming-webhook sign-up at /subscribe/slack.', verbose_name='visitors may subscribe a Slack channel')),
                ('allow_teams_subscribers', models.BooleanField(default=False, help_text='Offer Teams workflow-webhook sign-up at /subscribe/teams.', verbose_name='visitors may subscribe a Microsoft Teams channel')),
                ('allow_discord_subscribers', models.BooleanField(default=False, help_text='Offer Discord webhook sign-up at /subscribe/discord.', verbose_name='visitors may subscribe a Discord channel')),
                ('allow_google_chat_subscribers', models.BooleanField(default=False, help_text='Offer Google Chat webhook sign-up at /subscribe/google-chat.', verbose_name='visitors may subscribe a Google Chat space')),
                ('allow_sms_subscribers', models.BooleanField(default=False, help_text='Offer SMS sign-up at /subscribe/sms; needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM in the settings.', verbose_name='visitors may subscribe a phone number')),
                ('allow_incident_subscribers', models.BooleanField(default=True, help_text="Accept subscribers to one incident (operator API, /incidents/{id}/subscribers). Off: new ones are refused. Existing incident subscribers keep getting that incident's updates.", verbose_name='take subscribers to single incidents')),
                ('is_private', models.BooleanField(default=False, help_text='Only signed-in viewers see the page, its API, feeds, calendar, badge and embed. Viewers sign in with a one-time email link sent to an allowed address below, or with single sign-on when that is offered.', verbose_name='private page')),
                ('allowed_networks', models.JSONField(blank=True, default=list, help_text='IP ranges, one per line (10.0.0.0/8, 2001:db8::/32). Alone: only requests from these networks see the page. With “private page”: requests from these networks see it without signing in, everyone else signs in.', validators=[pages.models.validate_networks], verbose_name='allowed networks')),
                ('viewer_emails', models.JSONField(blank=True, default=list, help_text='Who may sign in to a private page: addresses (ann@example.com) or whole domains (@example.com), one per line. Removing one signs everyone out.', validators=[pages.models.validate_viewer_emails], verbose_name='allowed viewers')),
                ('viewer_oidc', models.BooleanField(default=False, help_text="Offer “Sign in with” the installation's OpenID Connect provider on the viewers' sign-in page (needs OIDC_ISSUER).", verbose_name='viewers may use single sign-on')),
                ('access_epoch', models.PositiveIntegerField(default=0, editable=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'constraints': [models.UniqueConstraint(condition=models.Q(('is_default', True)), fields=('is_default',), name='one_default_page'), models.UniqueConstraint(condition=models.Q(('domain', ''), _negated=True), fields=('domain',), name='unique_page_domain')],
            },
        ),
        migrations.CreateModel(
            name='Invitation',
            fields=[
                ('id', models.CharField(default=statuspage.ids.new_code, editable=False, max_length=12, primary_key=True, serialize=False)),
                ('email', models.EmailField(max_length=254)),
                ('role', models.CharField(choices=[('responder', 'Incident responder'), ('admin', 'Page admin')], max_length=20)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('expires_at', models.DateTimeField()),
                ('used_at', models.DateTimeField(blank=True, null=True)),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('invited_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('used_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('page', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='invitations', to='pages.page')),
            ],
            options={
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='Membership',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('responder', 'Incident responder'), ('admin', 'Page admin')], max_length=20)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('source', models.CharField(blank=True, max_length=40)),
                ('invited_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to=settings.AUTH_USER_MODEL)),
                ('page', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='pages.page')),
            ],
            options={
                'ordering': ['page', 'user__username'],
                'constraints': [models.UniqueConstraint(fields=('page', 'user'), name='one_membership_per_page_user')],
            },
        ),
        migrations.CreateModel(
            name='ViewerLink',
            fields=[
                ('id', models.CharField(default=statuspage.ids.new_code, editable=False, max_length=12, primary_key=True, serialize=False)),
                ('email', models.EmailField(max_length=254)),
                ('next_path', models.CharField(default='/', max_length=2000)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('used_at', models.DateTimeField(blank=True, null=True)),
                ('page', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='viewer_links', to='pages.page')),
            ],
            options={
                'indexes': [models.Index(fields=['page', 'email', 'created_at'], name='pages_viewe_page_id_6c4a34_idx')],
            },
        ),
    ]
