"""Reporting: Prefect run artifacts and the self-contained HTML coverage report."""
