"""Public verification pages."""

from django.urls import path

from . import batch_views, image_views, views

urlpatterns = [
    path("verify", views.verify_page, name="verify"),
    path("verify/batch", batch_views.verify_batch_page, name="verify-batch"),
    path("verify/batch/<str:token>.csv", batch_views.verify_batch_csv, name="verify-batch-csv"),
    path("verify/images/<str:digest>", image_views.verify_image, name="verify-image"),
]
