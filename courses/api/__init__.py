"""REST API of courses: enrolments and completions, for institution API keys (and staff in the admin session)."""
