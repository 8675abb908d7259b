"""Every notebook runs top to bottom in a real Jupyter kernel, and shows what it promises.

The kernel is started by nbclient with this repository first on PYTHONPATH, so it imports the
working tree's ``autograd`` and ``nn``. A missing kernel, nbclient or ipykernel is a failure, not
a skip (CI installs them through the ``test`` extra).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"

# What each notebook must display: derivations as maths, graphs as SVG, plots as images.
RICH = {
    "01-values-and-the-chain-rule.ipynb": {"text/latex", "image/svg+xml"},
    "02-the-worked-example.ipynb": {"text/latex", "image/svg+xml"},
    "03-training.ipynb": {"image/png"},
    "04-initialisation.ipynb": {"image/png"},
    "05-train-check-workflow.ipynb": {"image/png"},
    "06-from-stepgrad-to-pytorch.ipynb": {"text/html", "text/latex"},
}


def test_the_notebooks_are_the_ones_listed():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(RICH)


@pytest.mark.parametrize("name", sorted(RICH))
def test_committed_without_outputs_and_a_story(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    for k, (before, cell) in enumerate(zip(nb.cells, nb.cells[1:]), start=1):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"cell {k}: commit with outputs cleared"
            assert before.cell_type == "markdown", f"cell {k}: a Markdown cell before each code cell tells the story"


@pytest.mark.parametrize("name", sorted(RICH))
def test_notebook_runs_top_to_bottom(name, tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    before = sorted(p.name for p in NOTEBOOKS.iterdir())
    client = NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError, naming the cell, on any error

    shown: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            assert output.output_type != "error", output
            if output.output_type == "stream":
                assert output.name != "stderr" or "Warning" not in output.text, output.text
            shown.update(output.get("data", {}))
    missing = RICH[name] - shown
    assert not missing, f"{name} shows no {', '.join(sorted(missing))}"
    # Nothing was written beside the notebooks (scratch files go to a temporary folder).
    assert sorted(p.name for p in NOTEBOOKS.iterdir()) == before


def test_the_notebook_extra_runs_notebooks_from_the_command_line(tmp_path):
    # README: `pip install -e '.[notebook]'`, then `jupyter nbconvert --execute` runs a notebook.
    from importlib.metadata import requires

    notebook_extra = [r.split(";")[0].strip() for r in requires("stepgrad") or [] if 'extra == "notebook"' in r]
    assert any(r.startswith("nbconvert") for r in notebook_extra), notebook_extra
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A check"),
                                         nbformat.v4.new_code_cell("import autograd\nprint(autograd.Value(2.0) * 3)")])
    nbformat.write(nb, tmp_path / "check.ipynb")
    jupyter = Path(sys.executable).parent / "jupyter"
    done = subprocess.run([str(jupyter), "nbconvert", "--to", "notebook", "--execute", "--output", "ran.ipynb",
                           str(tmp_path / "check.ipynb")], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    ran = nbformat.read(tmp_path / "ran.ipynb", as_version=4)
    assert ran.cells[1].outputs[0].text == "Value(data=6.0, grad=0.0)\n"
