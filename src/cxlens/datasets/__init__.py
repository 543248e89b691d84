"""Synthetic data sets for demos, documentation and tests."""
