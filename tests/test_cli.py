"""The `canbao` command: clear usage, one-line failures, period ranges."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.partitions import period_range, previous_period


def _canbao(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "canbao.cli", *args], capture_output=True, text=True, check=False)


def test_period_range() -> None:
    assert period_range("2015-11:2016-02") == ["2015-11", "2015-12", "2016-01", "2016-02"]
    assert period_range("2015-03") == ["2015-03"]
    assert previous_period("2015-01") == "2014-12"
    with pytest.raises(ValueError):
        period_range("2015-03:2015-01")


def test_help_lists_commands() -> None:
    out = _canbao("--help")
    assert out.returncode == 0
    for cmd in ("generate", "run", "simulate-field", "demo"):
        assert cmd in out.stdout


def test_missing_landing_is_one_line(tmp_path: Path) -> None:
    out = _canbao("run", "--landing", str(tmp_path / "nope"), "--home", str(tmp_path / "home"))
    assert out.returncode == 1
    assert out.stderr.strip().startswith("canbao: landing folder")
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_bad_period_spec_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "landing").mkdir()
    out = _canbao("run", "--landing", str(tmp_path / "landing"), "--home", str(tmp_path), "--periods", "2015-13:x")
    assert out.returncode == 1
    assert "bad --periods" in out.stderr and "Traceback" not in out.stderr
