"""What the project's modules import, read from their source: the tests that keep one part of the
project independent of another (the core of the domain apps, the audit trail of the task
framework, the dashboard and the search of the apps they collect from) share this one reading."""

import ast
from pathlib import Path

from django.conf import settings


def imported_modules(source: str) -> set[str]:
    """Every module a Python source imports, anywhere in it (inside functions too), by full name;
    `from package import name` counts as importing both the package and `package.name`. Relative
    imports are left out: the project's apps import one another by absolute names."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def project_source(module: str) -> Path | None:
    """The file of one of the project's modules (a package's `__init__.py`), or None when the
    name is not a module of the project (a class imported from one, another library)."""
    base = Path(settings.BASE_DIR)
    for path in (base / f"{module.replace('.', '/')}.py", base / module.replace(".", "/") / "__init__.py"):
        if path.is_file():
            return path
    return None


def modules_reached(directory: str) -> dict[str, list[str]]:
    """Every module of the project that the modules under `directory` import, directly or through
    other modules of the project, each with the chain of imports that reaches it (the importing
    module first)."""
    base = Path(settings.BASE_DIR)
    reached: dict[str, list[str]] = {}
    waiting = [(path.relative_to(base).with_suffix("").as_posix().replace("/", ".").removesuffix(".__init__"), [])
               for path in sorted((base / directory).rglob("*.py"))]
    while waiting:
        module, chain = waiting.pop(0)
        if module in reached or not (path := project_source(module)):
            continue
        reached[module] = [*chain, module]
        waiting += [(name, reached[module]) for name in sorted(imported_modules(path.read_text(encoding="utf-8")))]
    return reached
