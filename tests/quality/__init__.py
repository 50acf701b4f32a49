"""Tests of the data-quality rules: one file per rule (``test_dqNN_<name>.py``), the registry,
and the findings on the shipped data."""
