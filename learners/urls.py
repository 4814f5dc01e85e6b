"""Learner pages: claim, backpack, sharing."""

urlpatterns: list = []
