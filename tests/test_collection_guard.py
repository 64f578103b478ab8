"""tools/check_collection.py catches test IDs that change between two collections."""

import pathlib
import subprocess
import sys

import pytest

TOOL = pathlib.Path(__file__).resolve().parent.parent / "tools" / "check_collection.py"


@pytest.mark.parametrize(("values", "exit_code"), [("[1, 2]", 0), ("[time.time_ns()]", 1)],
                         ids=["stable-ids", "clock-in-id"])
def test_guard_compares_two_collections(tmp_path, values, exit_code):
    (tmp_path / "test_sample.py").write_text(
        "import time\nimport pytest\n\n"
        f"@pytest.mark.parametrize('v', {values})\ndef test_v(v):\n    pass\n", encoding="utf-8")
    out = subprocess.run([sys.executable, str(TOOL), str(tmp_path), "-p", "no:xdist"], capture_output=True,
                         text=True, cwd=tmp_path)
    assert out.returncode == exit_code, out.stdout + out.stderr
    if exit_code:
        assert "differ" in out.stderr
