"""Issue 11 item 7: the league charts' tooltip escapes the data it turns into HTML (run in Node)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

LEAGUE_JS = Path(__file__).resolve().parents[2] / "supervision" / "static" / "js" / "league.js"


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is needed to run the chart script")
def test_tooltip_formatter_escapes_names():
    src = LEAGUE_JS.read_text(encoding="utf-8")
    esc = re.search(r"function esc\(text\) \{.*?\n  \}", src, re.S).group(0)
    formatter = re.search(r"tooltip: \{formatter: (function \(p\) \{.*?\})\}", src).group(1)
    hostile = '<img src=x onerror=alert(1)>&"'
    script = (f"{esc}\nfunction unit(spec) {{ return spec.unit || ''; }}\nvar spec = {{unit: '%'}};\n"
              f"var f = {formatter};\nprocess.stdout.write(f({{name: {json.dumps(hostile)}, value: [12.5, 0]}}));")
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30, check=True).stdout
    assert "<img" not in out and "&lt;img src=x onerror=alert(1)&gt;&amp;&quot;" in out and out.endswith("12.5%")
