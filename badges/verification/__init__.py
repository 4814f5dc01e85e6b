"""Verifying any badge (OB 2.0, OB 3.0; URL, image, JSON, JWT) for employers, the API and badge pages."""
