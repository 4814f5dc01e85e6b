"""Public verification pages."""

urlpatterns: list = []
