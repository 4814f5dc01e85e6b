"""REST API of badges: verification, per-award endpoints."""
