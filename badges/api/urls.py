"""REST API of badges: verification (filled in by the verification work)."""

urlpatterns: list = []
