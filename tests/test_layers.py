"""The layers of docs/architecture.md, checked on the source: the core never imports Qt."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mdt_desktop"
CORE = ("domain", "models", "services", "importers", "plots", "reports", "demo")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def files_in(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", CORE)
def test_core_layers_never_import_qt(layer):
    for path in files_in(layer):
        bad = {m for m in imported_modules(path) if m.split(".")[0] in ("PySide6", "shiboken6")}
        assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}"


def test_domain_is_plain_python():
    forbidden = (
        "sqlalchemy",
        "alembic",
        "matplotlib",
        "reportlab",
        "mdt_desktop.models",
        "mdt_desktop.services",
        "PySide6",
    )
    for path in files_in("domain"):
        bad = {m for m in imported_modules(path) if m.startswith(forbidden)}
        assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}"


def test_views_never_touch_the_orm():
    for path in files_in("views"):
        bad = {
            m for m in imported_modules(path) if m.startswith(("mdt_desktop.models", "sqlalchemy"))
        }
        assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}"


GUI = ("PySide6", "shiboken6", "mdt_desktop.app", "mdt_desktop.views", "mdt_desktop.presenters")


def gui_imports(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return [m for m in found if m.startswith(GUI)]


def test_cli_imports_qt_only_to_start_the_gui():
    tree = ast.parse((PACKAGE / "cli.py").read_text(encoding="utf-8"))
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    starters = {function.name for function in functions if gui_imports(function)}
    assert starters == {"_gui"}, "only the GUI command imports the application, lazily"
    rest = ast.Module(body=[node for node in tree.body if node not in functions], type_ignores=[])
    assert not gui_imports(rest)


def test_app_never_imports_the_command_line():
    assert not {m for m in imported_modules(PACKAGE / "app.py") if m.startswith("mdt_desktop.cli")}


WRITERS = ("services", "models")  # the one write path (docs/architecture.md, "Layers")
WRITE_STATEMENTS = {"insert", "update", "delete"}
SESSION_WRITES = {"add", "add_all", "merge", "delete", "bulk_save_objects", "bulk_insert_mappings"}


def orm_writes(path: Path) -> list[str]:
    """SQL write statements imported, or session methods that write, with their lines."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            found += [
                f"{node.lineno}: imports {a.name}" for a in node.names if a.name in WRITE_STATEMENTS
            ]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SESSION_WRITES
            and isinstance(node.func.value, ast.Name)
            and "session" in node.func.value.id
        ):
            found.append(f"{node.lineno}: session.{node.func.attr}")
    return found


def test_only_services_and_models_write_the_record():
    """The app, the command line and the demo all write through the services (migrations aside)."""
    outside = [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).parts[0] not in WRITERS
    ]
    assert len(outside) > 100  # the walk found the package
    bad = {str(p.relative_to(PACKAGE)): w for p in outside if (w := orm_writes(p))}
    assert not bad, f"ORM writes outside services/ and models/: {bad}"
