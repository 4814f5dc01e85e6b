"""Learners: the people badges are awarded to, their accounts, backpack and sharing settings."""
