"""Seed 003's vocabulary stands alone: importing it loads no parser, coercion or rule."""

from __future__ import annotations

import json
import subprocess
import sys

_LOADED = (
    "import json, sys\n"
    "import laurels.rewards.vocabulary\n"
    "print(json.dumps(sorted(m for m in sys.modules if m == 'laurels' or m.startswith('laurels.'))))\n"
)


def test_vocabulary_pulls_in_no_parser() -> None:
    # A fresh interpreter: this one has long since imported every module of the package.
    result = subprocess.run([sys.executable, "-c", _LOADED], capture_output=True, text=True, check=True)
    loaded = json.loads(result.stdout)
    assert "laurels.rewards.vocabulary" in loaded
    assert "laurels.rewards.blocks" not in loaded
    # Beyond the package's own __init__s, kit is all it may ever need.
    own = {"laurels", "laurels.rewards", "laurels.rewards.vocabulary"}
    assert [m for m in loaded if m not in own and m.split(".")[:2] != ["laurels", "kit"]] == []
