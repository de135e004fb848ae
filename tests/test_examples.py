"""The README's main job: the digits example trains to at least 0.95 test accuracy."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "digits.py"


def test_digits_example_reaches_095(monkeypatch, capsys):
    pytest.importorskip("sklearn")
    monkeypatch.setattr(sys, "argv", [str(EXAMPLE), "--verbose", "0"])
    namespace = runpy.run_path(str(EXAMPLE), run_name="digits_example")
    accuracy = namespace["main"]()
    assert accuracy >= 0.95
    assert "test accuracy" in capsys.readouterr().out
