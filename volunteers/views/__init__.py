"""Volunteer pages, one module per part of the lifecycle. Each module ends with its own
`urlpatterns`; volunteers/urls.py joins them under the app's namespace."""
