"""`pip install .` works offline with Debian's setuptools, into a venv and with --target, and the
installed package works from any directory with its bundled models.

Slow: pip runs CMake to compile the module (the first run compiles the core; later runs reuse
the build directory under the source tree's build/ and take seconds). ATTUNE_SKIP_SLOW=1 skips.
Under ctest (ATTUNE_BINARY_DIR names the build tree that already built the module) pip builds in
that tree (ATTUNE_PIP_USE_BUILD) instead of compiling the whole core a second time, which took
several minutes of the test command on a clean clone; the stand-alone configuration pip would
otherwise use is still configured and its module build planned (cmake, ninja -t commands).
ATTUNE_PIP_FULL_BUILD=1 makes pip compile from scratch as a user's `pip install .` does.
"""

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
slow = pytest.mark.skipif(os.environ.get("ATTUNE_SKIP_SLOW") == "1", reason="ATTUNE_SKIP_SLOW=1")

# Runs in the installed environment, from a directory that holds no attune sources.
CHECK = textwrap.dedent("""
    import json, os, sys
    import attune
    pkg = os.path.dirname(os.path.abspath(attune.__file__))
    models = os.path.join(pkg, "models")
    m = attune.EmotionModel.default()
    happy, angry = m.score("Thank you so much, this is wonderful!"), m.score("This is unacceptable, I am furious.")
    intent = attune.IntentModel.default()
    engine = type(attune.Engine({})).__name__
    print(json.dumps({
        "package": pkg, "model_dir": os.environ.get("ATTUNE_MODEL_DIR"), "models": sorted(os.listdir(models)),
        "files": sorted(os.listdir(pkg)), "version": attune.__version__,
        "happy": happy["valence"], "angry": angry["valence"], "engine": engine,
        "intent": type(intent).__name__,
    }))
""")


def _clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ATTUNE_MODEL_DIR", "PYTHONHOME")}
    env.update(extra)
    return env


def _run(cmd, timeout, **kw):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout, **kw)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{proc.stdout[-4000:]}"
    return proc.stdout


def _check_installed(python, cwd, env, expected_parent):
    import json

    out = _run([str(python), "-c", CHECK], timeout=120, cwd=cwd, env=env)
    info = json.loads(out.strip().splitlines()[-1])
    assert Path(info["package"]).parent.resolve() == Path(expected_parent).resolve(), info["package"]
    # The package points attune's model search at its own copy of the models.
    assert info["model_dir"] == os.path.join(info["package"], "models")
    shipped = sorted(p.name for p in (ROOT / "models").iterdir() if p.suffix in (".attm", ".json", ".bin"))
    assert info["models"] == shipped
    assert any(f.startswith("_attune") and f.endswith(".so") for f in info["files"])
    assert "py.typed" in info["files"] and "distributed.py" in info["files"]
    assert any(f.endswith(".pyi") for f in info["files"])
    assert info["happy"] > 0 > info["angry"]
    assert info["intent"] == "IntentModel"
    assert info["engine"] == "Engine"
    return info


def _configured_python_build():
    """The ctest build tree (ATTUNE_BINARY_DIR) when it is configured with the Python module."""
    tree = os.environ.get("ATTUNE_BINARY_DIR")
    if not tree or os.environ.get("ATTUNE_PIP_FULL_BUILD") == "1":
        return None
    cache = Path(tree) / "CMakeCache.txt"
    if not cache.is_file() or "ATTUNE_BUILD_PYTHON:BOOL=ON" not in cache.read_text(encoding="utf-8", errors="replace"):
        return None
    return Path(tree)


@slow
def test_pip_install_into_venv_and_target(tmp_path):
    for tool in ("cmake", "ninja"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not installed")
    python = sys.executable
    probe = subprocess.run([python, "-m", "pip", "--version"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("pip is not available for this interpreter (Debian: python3-pip)")
    venv = tmp_path / "venv"
    made = subprocess.run([python, "-m", "venv", "--system-site-packages", str(venv)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot create a venv (Debian: python3-venv): {made.stderr.strip()[-300:]}")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _clean_env(ATTUNE_JOBS=os.environ.get("ATTUNE_JOBS", "2"), PIP_NO_INPUT="1",
                     PIP_DISABLE_PIP_VERSION_CHECK="1")
    built = _configured_python_build()
    if built is not None:
        env["ATTUNE_PIP_USE_BUILD"] = str(built)
        # What pip would configure on its own (setup.py's options): it must generate a module target.
        cfg = tmp_path / "standalone"
        _run(["cmake", "-S", str(ROOT), "-B", str(cfg), "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
              "-DATTUNE_BUILD_PYTHON=ON", "-DATTUNE_BUILD_TESTS=OFF", "-DATTUNE_BUILD_TOOLS=OFF",
              "-DATTUNE_BUILD_BENCHMARKS=OFF", "-DATTUNE_BUILD_EXAMPLES=OFF", f"-DPython_EXECUTABLE={python}"],
             timeout=300, cwd=elsewhere, env=env)
        plan = _run(["ninja", "-C", str(cfg), "-t", "commands", "attune_python"], timeout=120, cwd=elsewhere, env=env)
        assert "_attune" in plan and "/src/" in plan and "/bindings/python/" in plan, plan[-2000:]

    # 1. A venv that sees Debian's numpy/pandas; --no-index proves nothing is downloaded.
    _run([str(venv / "bin" / "pip"), "install", "--no-build-isolation", "--no-index", str(ROOT)],
         timeout=1500, cwd=elsewhere, env=env)
    site = _run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                timeout=60, cwd=elsewhere, env=env).strip()
    _check_installed(venv / "bin" / "python", elsewhere, env, site)

    # 2. pip --target into a plain directory, used through PYTHONPATH.
    target = tmp_path / "target"
    _run([python, "-m", "pip", "install", "--no-build-isolation", "--no-index", "--target", str(target), str(ROOT)],
         timeout=600, cwd=elsewhere, env=env)
    _check_installed(python, elsewhere, _clean_env(PYTHONPATH=str(target)), target)


def _stub_names(path):
    """Top-level names of a .pyi and, per class, the names it declares."""
    import ast

    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    top, classes = set(), {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            top.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            top.add(node.target.id)
        elif isinstance(node, ast.Assign):
            top.update(t.id for t in node.targets if isinstance(t, ast.Name))
        if isinstance(node, ast.ClassDef):
            members = set()
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    members.add(item.name)
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    members.add(item.target.id)
            classes[node.name] = members
    return top, classes


def test_stubs_match_the_runtime_package():
    """Every name a stub declares exists at runtime, and every public name a module exports
    through attune/__init__.py is declared in that module's stub."""
    import importlib
    import inspect

    import attune

    stubs = sorted((ROOT / "bindings" / "python" / "attune").glob("*.pyi"))
    assert stubs
    checked = 0
    for stub in stubs:
        name = stub.stem
        try:
            module = importlib.import_module(f"attune.{name}")
        except ImportError as e:  # a component's module that needs an optional dependency
            pytest.skip(f"attune.{name}: {e}")
        top, classes = _stub_names(stub)
        for n in top:
            if n in ("Texts", "Labels", "ArrayLike", "ColumnOrArray", "TimeLike"):  # stub-only aliases
                continue
            assert hasattr(module, n), f"{stub.name} declares {n}, attune.{name} has no such name"
        for cls, members in classes.items():
            runtime = getattr(module, cls)
            try:  # instance attributes set from constructor arguments (estimator parameters)
                init_params = set(inspect.signature(runtime.__init__).parameters)
            except (TypeError, ValueError):
                init_params = set()
            for m in members:
                if m.endswith("_") and not m.startswith("_"):
                    continue  # fitted attributes exist only after fit()
                assert hasattr(runtime, m) or m in getattr(runtime, "__annotations__", {}) or m in init_params, \
                    f"{stub.name}: {cls}.{m} missing at runtime"
        exported = [n for n in attune.__all__ if getattr(getattr(attune, n), "__module__", None) == module.__name__
                    and not n.startswith("_")]
        missing = [n for n in exported if n not in top and not n.isupper()]
        assert not missing, f"{stub.name} lacks {missing}"
        checked += 1
    assert checked == len(stubs)
