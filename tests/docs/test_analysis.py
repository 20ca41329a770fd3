"""docs/analysis.py, the notebook-style example of ad-hoc analysis, runs against a real warehouse."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_analysis_example_runs(news_warehouse):
    root, _ = news_warehouse
    out = subprocess.run([sys.executable, str(REPO / "docs" / "analysis.py"), str(root)], capture_output=True, text=True,
                         cwd=REPO, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "Vladimir Putin" in out.stdout and "Emmanuel Macron" in out.stdout
    assert "| canonical |" in out.stdout  # the members of the largest story
    assert "stories=" in out.stdout and "'source': 'wire-a'" in out.stdout
