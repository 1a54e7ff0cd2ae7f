from django.urls import URLPattern, URLResolver, re_path

from . import views

# Every path answers with and without `.json` and a trailing slash, without redirecting.
END = r"(?:\.json)?/?$"
PAGE = r"^v1/pages/(?P<page_id>[^/.]+)"
INCIDENT = PAGE + r"/incidents/(?P<incident_id>[^/.]+)"

urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^v1/openapi\.json$", views.openapi, name="operator_api_openapi"),
    re_path(r"^v1/pages" + END, views.pages),
    re_path(PAGE + END, views.page_detail),
    re_path(PAGE + r"/components" + END, views.components),
    re_path(PAGE + r"/components/(?P<component_id>[^/.]+)" + END, views.component_detail),
    re_path(PAGE + r"/component-groups" + END, views.component_groups),
    re_path(PAGE + r"/component-groups/(?P<group_id>[^/.]+)" + END, views.component_group_detail),
    re_path(PAGE + r"/incidents" + END, views.incidents),
    re_path(PAGE + r"/incidents/unresolved" + END, views.incidents_unresolved),
    re_path(PAGE + r"/incidents/upcoming" + END, views.incidents_upcoming),
    re_path(PAGE + r"/incidents/scheduled" + END, views.incidents_scheduled),
    re_path(PAGE + r"/incidents/active_maintenance" + END, views.incidents_active_maintenance),
    re_path(INCIDENT + END, views.incident_detail),
    re_path(
        INCIDENT + r"/incident_updates/(?P<update_id>[^/.]+)" + END, views.incident_update_detail
    ),
    re_path(INCIDENT + r"/postmortem" + END, views.postmortem),
    re_path(INCIDENT + r"/postmortem/publish" + END, views.postmortem_publish),
    re_path(INCIDENT + r"/postmortem/revert" + END, views.postmortem_revert),
    re_path(INCIDENT + r"/subscribers" + END, views.incident_subscribers),
    re_path(
        INCIDENT + r"/subscribers/(?P<subscriber_id>[^/.]+)" + END,
        views.incident_subscriber_detail,
    ),
    re_path(
        INCIDENT + r"/subscribers/(?P<subscriber_id>[^/.]+)/resend_confirmation" + END,
        views.incident_subscriber_resend,
    ),
    re_path(PAGE + r"/subscribers" + END, views.subscribers),
    re_path(PAGE + r"/subscribers/(?P<subscriber_id>[^/.]+)" + END, views.subscriber_detail),
    re_path(PAGE + r"/metrics" + END, views.metrics),
    re_path(PAGE + r"/metrics/data" + END, views.metrics_data),
    re_path(PAGE + r"/metrics/(?P<metric_id>[^/.]+)" + END, views.metric_detail),
    re_path(PAGE + r"/metrics/(?P<metric_id>[^/.]+)/data" + END, views.metric_data),
    re_path(r"^v1/(?P<rest>.*)$", views.not_found),
]
