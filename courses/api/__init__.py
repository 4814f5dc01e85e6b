"""REST API of courses: enrolments and completions for issuer staff with tokens."""
