"""Prefect flows and the newsflow CLI."""

import os

# Prefect's server reports usage at every start unless told not to; respect a user's own setting.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
