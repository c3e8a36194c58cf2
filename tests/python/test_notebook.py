"""Executes examples/python/quickstart.ipynb end to end (Debian python3-nbclient + python3-ipykernel).

The notebook asserts its own sanity checks (thank-you messages score above complaints); here we
check that every cell ran and that both figures were drawn.
"""

import os
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "python" / "quickstart.ipynb"


def test_quickstart_notebook_runs(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    pytest.importorskip("pandas")
    from jupyter_client.kernelspec import NoSuchKernel

    # The kernel is a child process: it must see the same attune as this test (the build tree's
    # package on PYTHONPATH, or an installed one).
    import attune

    package_parent = str(Path(attune.__file__).resolve().parents[1])
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([package_parent, os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("ATTUNE_NOTEBOOK_OUT", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))

    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    try:
        client.execute()
    except NoSuchKernel:
        pytest.skip("no python3 Jupyter kernel installed (Debian: python3-ipykernel)")

    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert code_cells and all(c.get("execution_count") for c in code_cells)
    errors = [o for c in code_cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    for figure in ("emotion_mix.png", "kpi_trend.png"):
        path = tmp_path / figure
        assert path.exists(), figure
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert path.stat().st_size > 5000  # a drawn chart, not an empty canvas
    # The daily KPI table has one row per day of the inline data (5 days).
    text = "".join(o.get("data", {}).get("text/plain", "") for o in code_cells[-2].get("outputs", []))
    assert "mean_valence" in text and text.count("2024-03-0") == 5
