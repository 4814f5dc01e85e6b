"""Helpers for browser tests that drive the admin: signing in, submitting a form, and the checks every submission
gets (no server error, no Content Security Policy violation, the admin's own success message)."""

from dataclasses import dataclass, field

STAFF_PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


@dataclass
class Watch:
    """What a page did that a person would notice: server errors and refused scripts or images."""

    server_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        page.on("response", lambda r: r.status >= 500 and self.server_errors.append(f"{r.status} {r.url}"))
        page.on("console", lambda m: "Content Security Policy" in m.text and self.csp_violations.append(m.text))

    def assert_clean(self) -> None:
        assert not self.server_errors, self.server_errors
        assert not self.csp_violations, self.csp_violations


def admin_sign_in(page, site: str, email: str, password: str = STAFF_PASSWORD) -> None:
    page.goto(f"{site}/admin/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site}/admin/")


def form_errors(page) -> str:
    """The admin's error notes on a form page, as text ("" when there are none)."""
    notes = page.locator(".errornote, .errorlist")
    return " | ".join(notes.all_inner_texts())


def submit(page, button: str = "_save") -> None:
    """Click one of the admin's save buttons (_save, _addanother, _continue) and wait for the answer to load."""
    with page.expect_navigation():
        page.locator(f"input[name={button}]").click()


def success_message(page) -> str:
    return " | ".join(page.locator("ul.messagelist li.success").all_inner_texts())


def pick_autocomplete(page, field_name: str, text: str) -> None:
    """Choose an option in an admin autocomplete (select2) widget by typing, as a person does."""
    page.locator(f"select#id_{field_name} + span.select2 .select2-selection").click()
    page.locator(".select2-container--open input.select2-search__field").fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()
