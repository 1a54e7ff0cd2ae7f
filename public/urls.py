from snapshots.views import urlpatterns as document_urlpatterns

app_name = "public"

# Every public page is a stored document: public/documents.py lists them.
urlpatterns = document_urlpatterns(app_name)
