"""The layers of the README hold: the core imports no front end and runs without the extras."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

#: Modules of the front ends and of the [api] and [eval] extras.
FRONT_ENDS = ("gfmd_search_api", "gfmd_search_cli", "gfmd_search_eval")
EXTRAS = ("fastapi", "starlette", "uvicorn", "ranx", "matplotlib")



def run_blocked(code: str, blocked: tuple[str, ...]) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter in which the `blocked` packages cannot be imported."""
    block = f"""
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {blocked!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, Block())
"""
    return subprocess.run([sys.executable, "-c", block + code], capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_the_core_imports_without_front_ends_or_extras():
    code = """
import pkgutil, gfmd_search
names = [m.name for m in pkgutil.walk_packages(gfmd_search.__path__, "gfmd_search.")]
for name in names:
    __import__(name)
print(len(names))
"""
    done = run_blocked(code, EXTRAS + FRONT_ENDS)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 20


def test_no_core_module_names_a_front_end():
    for path in (ROOT / "gfmd_search").rglob("*.py"):
        text = path.read_text()
        assert not any(name in text for name in FRONT_ENDS), path


def test_the_cli_without_an_extra_says_which_to_install(tmp_path):
    code = f"import sys; from gfmd_search_cli.main import main; sys.exit(main(['serve', '--index', {str(tmp_path)!r}]))"
    done = run_blocked(code, EXTRAS)
    assert done.returncode == 2, done.stderr
    assert "needs the [api] extra: pip install 'gfmd-search[api]'" in done.stderr
