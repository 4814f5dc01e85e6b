"""Fixtures for learner tests."""

import pytest

from tests.learners.helpers import issue_award


@pytest.fixture
def award():
    return issue_award(email="ada@example.net")
