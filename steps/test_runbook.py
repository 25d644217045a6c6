"""Binds every feature of the runbook (features/) to pytest. Requirements are traced by tag."""

from pytest_bdd import scenarios

scenarios(".")
