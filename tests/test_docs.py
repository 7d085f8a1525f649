"""The Python examples in the README and user guides run as written."""

import re
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["README.md", "docs/minimize.md", "docs/compare.md", "docs/tuning.md", "docs/programming.md",
         "docs/programming_dp.md",
         "docs/recommend.md", "docs/allocate.md"]


def blocks(page):
    text = (ROOT / page).read_text()
    found = re.findall(r"^( *)```python\n(.*?)^\1```", text, flags=re.DOTALL | re.MULTILINE)
    return [textwrap.dedent(code) for _, code in found]


@pytest.mark.parametrize("page", PAGES)
def test_python_examples_run(page):
    found = blocks(page)
    assert found, f"{page} has no Python example"
    namespace: dict = {}
    for code in found:  # blocks of a page build on each other, like a session
        exec(compile(code, f"{page}:example", "exec"), namespace)
