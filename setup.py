"""Build and install the attune Python package (the pybind11 module plus the default models).

`pip install --no-build-isolation .` runs this with Debian's setuptools. The compiled module is
built by the project's own CMake (Ninja, Release, only the `attune_python` target), so the module
pip installs is the same one the test suite exercises in the build tree. The package then
carries its default models in `attune/models/`, which `attune/__init__.py` points the C++ model
search at (ATTUNE_MODEL_DIR), so an installed package works from any directory.

Environment knobs (all optional):
  ATTUNE_JOBS             parallel compile jobs (default 2; the build machines are small);
  ATTUNE_PIP_BUILD_DIR    CMake build directory to use (default: setuptools' build_temp, kept
                          between runs so a reinstall only recompiles what changed);
  ATTUNE_CMAKE_ARGS       extra arguments for the CMake configure step (split on whitespace);
  ATTUNE_PIP_USE_BUILD    an already configured build tree with ATTUNE_BUILD_PYTHON=ON (such as
                          scripts/build's build/): the module is built there as that tree is
                          configured, without a configure step, so its options stay as they are
                          and pip compiles nothing that tree has already compiled.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py
from setuptools.command.egg_info import egg_info

ROOT = Path(__file__).resolve().parent
PACKAGE_SRC = ROOT / "bindings" / "python" / "attune"
MODEL_SRC = ROOT / "models"
MODEL_PATTERNS = ("*.attm", "*.json", "*.bin")


def project_version() -> str:
    """The version declared once in CMakeLists.txt (project(attune VERSION x.y.z))."""
    text = (ROOT / "CMakeLists.txt").read_text(encoding="utf-8")
    match = re.search(r"project\(attune\s+VERSION\s+([0-9][0-9.]*)", text)
    if not match:
        raise RuntimeError("cannot find project(attune VERSION ...) in CMakeLists.txt")
    return match.group(1)


class CMakeExtension(Extension):
    """The compiled module `attune._attune`; its sources are compiled by CMake, not setuptools."""

    def __init__(self, name: str):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    """Configures and builds the `attune_python` CMake target, then copies `_attune*.so`."""

    def run(self):
        for tool in ("cmake", "ninja"):
            if shutil.which(tool) is None:
                raise RuntimeError(f"building attune needs '{tool}' on PATH (Debian: apt install cmake ninja-build)")
        super().run()

    def build_extension(self, ext):
        reuse = os.environ.get("ATTUNE_PIP_USE_BUILD")
        if reuse:
            build_dir = Path(reuse).resolve()
            if not (build_dir / "CMakeCache.txt").is_file():
                raise RuntimeError(f"ATTUNE_PIP_USE_BUILD={reuse} is not a configured CMake build tree")
        else:
            build_dir = Path(os.environ.get("ATTUNE_PIP_BUILD_DIR") or (Path(self.build_temp) / "cmake")).resolve()
            build_dir.mkdir(parents=True, exist_ok=True)
        configure = [
            "cmake", "-S", str(ROOT), "-B", str(build_dir), "-G", "Ninja",
            "-DCMAKE_BUILD_TYPE=Release",
            "-DATTUNE_BUILD_PYTHON=ON",
            "-DATTUNE_BUILD_TESTS=OFF", "-DATTUNE_BUILD_TOOLS=OFF",
            "-DATTUNE_BUILD_BENCHMARKS=OFF", "-DATTUNE_BUILD_EXAMPLES=OFF",
            f"-DPython_EXECUTABLE={sys.executable}",
        ] + os.environ.get("ATTUNE_CMAKE_ARGS", "").split()
        jobs = os.environ.get("ATTUNE_JOBS", "2")
        if not reuse:
            subprocess.run(configure, check=True)
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "attune_python", "-j", jobs], check=True)

        built = sorted((build_dir / "python" / "attune").glob("_attune*.so"))
        if not built:
            raise RuntimeError(f"CMake did not produce _attune*.so in {build_dir / 'python' / 'attune'}")
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        # Newest build wins if several interpreters' modules share the build directory.
        newest = max(built, key=lambda p: p.stat().st_mtime)
        shutil.copy2(newest, target)


class BuildPyWithModels(build_py):
    """Copies the package's .py/.pyi files (setuptools does the .py) and the default models."""

    def run(self):
        super().run()
        package_dir = Path(self.build_lib) / "attune"
        package_dir.mkdir(parents=True, exist_ok=True)
        for stub in PACKAGE_SRC.glob("*.pyi"):
            shutil.copy2(stub, package_dir / stub.name)
        (package_dir / "py.typed").write_text("", encoding="utf-8")  # PEP 561: the stubs apply
        models = package_dir / "models"
        models.mkdir(exist_ok=True)
        copied = 0
        for pattern in MODEL_PATTERNS:
            for model in MODEL_SRC.glob(pattern):
                shutil.copy2(model, models / model.name)
                copied += 1
        if copied == 0:
            raise RuntimeError(f"no default models found in {MODEL_SRC}")


class EggInfoInBuild(egg_info):
    """Writes attune.egg-info under build/ (ignored by git) rather than at the repository root."""

    def initialize_options(self):
        super().initialize_options()
        (ROOT / "build").mkdir(exist_ok=True)
        self.egg_base = os.path.relpath(ROOT / "build", Path.cwd())


setup(
    name="attune",
    version=project_version(),
    description="Adaptive-empathy personalization: emotion, intent, variant selection, ethics",
    long_description=(ROOT / "docs" / "python.md").read_text(encoding="utf-8")
    if (ROOT / "docs" / "python.md").exists() else "",
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.8",
    # numpy is required but not declared: `pip install --target DIR .` ignores installed packages
    # and would try to download it. Debian: python3-numpy (pandas, dask optional).
    extras_require={"pandas": ["pandas"], "dask": ["dask[dataframe]", "distributed", "pandas"]},
    packages=["attune"],
    package_dir={"attune": "bindings/python/attune"},
    ext_modules=[CMakeExtension("attune._attune")],
    cmdclass={"build_ext": CMakeBuild, "build_py": BuildPyWithModels, "egg_info": EggInfoInBuild},
    zip_safe=False,
)
