"""The theme notebooks a run executes: ``notebooks/<theme>.ipynb``, their scope and imports.

A notebook's metadata may declare its scope, ``{"safeguarding": {"scope": "local"}}`` or
``"national"``:

* ``national`` (the default): the theme runs for any local authority; where the area has no
  local (board) tables the notebook itself says so (the themes' ``build`` handles it);
* ``local``: the theme is made of the board's own tables only; it is not executed for an area
  without local data, and that area's index page says so instead. Declaring it saves one
  kernel per authority in a 150-authority run.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .options import RunError

#: Themes in the order the index lists them; other notebooks found are listed after these.
THEMES = ("cp_trends", "representation", "cdop", "training")
SCOPES = ("local", "national")


@dataclass(frozen=True)
class ThemeNotebook:
    """One theme notebook: ``notebooks/<name>.ipynb``; ``scope`` is ``national`` or ``local``."""

    name: str
    path: Path
    scope: str = "national"

    @classmethod
    def from_path(cls, path: Path) -> "ThemeNotebook":
        try:
            notebook = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise RunError(f"{path.name}: cannot read the notebook ({exc}); fix or remove it") from exc
        metadata = (notebook.get("metadata") or {}).get("safeguarding") or {}
        scope = metadata.get("scope", "national")
        if scope not in SCOPES:
            raise RunError(
                f"{path.name}: metadata safeguarding.scope is {scope!r}; use 'national' (runs for any "
                "local authority) or 'local' (made of the board's own tables only)"
            )
        return cls(path.stem, path.resolve(), scope)


def _names_asked_for(names: Sequence[str]) -> list[str]:
    """``--themes`` values split at commas, in order, without repeats; ``["all"]`` means none."""
    wanted: list[str] = []
    for value in names:
        for part in str(value).split(","):
            part = part.strip()
            if part and part not in wanted:
                wanted.append(part)
    return [] if wanted == ["all"] else wanted


def discover_themes(notebooks_dir: Path, names: Sequence[str] | None = None) -> list[ThemeNotebook]:
    """The theme notebooks to run: ``names`` (in that order) or every ``*.ipynb`` in the folder.

    Files starting with ``_`` or ``.`` are not themes. Raises :class:`RunError` naming an unknown
    theme and listing the available ones.
    """
    found = {
        path.stem: path
        for path in sorted(Path(notebooks_dir).glob("*.ipynb"))
        if not path.name.startswith(("_", ".")) and not path.stem.endswith(".failed")
    }
    wanted = _names_asked_for(names) if names else []
    unknown = [name for name in wanted if name not in found]
    if unknown:
        raise RunError(
            f"unknown theme(s): {', '.join(unknown)}. Themes in {Path(notebooks_dir).name}/: "
            f"{', '.join(sorted(found)) or 'none'}"
        )
    if wanted:
        return [ThemeNotebook.from_path(found[name]) for name in wanted]
    if not found:
        raise RunError(f"no theme notebooks (*.ipynb) in {notebooks_dir}; nothing to run")
    order = [name for name in THEMES if name in found] + sorted(name for name in found if name not in THEMES)
    return [ThemeNotebook.from_path(found[name]) for name in order]


def _cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def prewarm_modules(themes: Iterable[ThemeNotebook]) -> list[str]:
    """Modules the theme notebooks import (``import x`` / ``from x import y``), sorted.

    Only names written in import statements are taken; nothing else in a notebook is run
    ahead of time.
    """
    modules: set[str] = set()
    for theme in themes:
        try:
            notebook = json.loads(theme.path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        for cell in notebook.get("cells", []):
            if cell.get("cell_type") != "code":
                continue
            try:
                tree = ast.parse(_cell_source(cell))
            except SyntaxError:  # e.g. IPython magics: that cell's imports are simply not warmed
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    modules.update(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    modules.add(node.module)
                    modules.update(f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*")
    return sorted(modules)
