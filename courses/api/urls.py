"""REST API of courses: completions for issuer staff."""

urlpatterns: list = []
