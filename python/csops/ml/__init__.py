"""Churn prediction and revenue forecast (issue 14)."""
