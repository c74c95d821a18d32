"""Evaluation of the platform against the synthetic city's truth."""
