"""Short courses, enrolments and completion. Completion calls badges.services; it does not build badges."""
