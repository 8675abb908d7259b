"""Shared by the rendering tests: golden files and SVG parsing.

Regenerate the golden files after an intended change with
``STEPGRAD_UPDATE_GOLDEN=1 python -m pytest tests/test_render*.py``, then read the diff.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"
SVG = "{http://www.w3.org/2000/svg}"


def golden(name: str, text: str) -> str:
    """The stored golden text ``name`` (rewritten from ``text`` when STEPGRAD_UPDATE_GOLDEN is set)."""
    path = GOLDEN / name
    if os.environ.get("STEPGRAD_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return path.read_text(encoding="utf-8")


def parse_svg(svg: str) -> tuple[dict[str, int], list[str]]:
    """How many <g> groups of each class (node, edge, cluster) an SVG has, and all its text."""
    root = ET.fromstring(svg)
    classes: dict[str, int] = {}
    for g in root.iter(f"{SVG}g"):
        classes[g.get("class", "")] = classes.get(g.get("class", ""), 0) + 1
    return classes, ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
