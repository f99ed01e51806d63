"""The project builds on Django's documented APIs, never on names a minor upgrade may change
without notice. Each check here names one kind of private name the project must not use."""

import re
from pathlib import Path

from django.conf import settings

# The attributes where ModelBackend keeps a person's permissions on the user object (its three
# `_…perm_cache` names). The documented way to read permissions otherwise is a backend overriding
# `get_user_permissions`, `get_group_permissions` and `get_all_permissions`.
MODEL_BACKEND_CACHES = re.compile(r"\b_(?:user_|group_)?perm_cache\b")


def project_python_files() -> list[Path]:
    """Every Python file of the project, tests included; not the virtualenv or other dot-folders."""
    base = Path(settings.BASE_DIR)
    files = [path for path in base.glob("*.py")]
    for folder in base.iterdir():
        if folder.is_dir() and not folder.name.startswith("."):
            files.extend(folder.rglob("*.py"))
    return files


def test_project_python_files_are_found():
    found = {path.relative_to(settings.BASE_DIR).as_posix() for path in project_python_files()}
    assert {"manage.py", "opsconsole/settings.py", "tests/test_public_apis_only.py"} <= found


def test_no_module_uses_model_backends_permission_caches():
    using = [f"{path.relative_to(settings.BASE_DIR)}:{number}: {line.strip()}"
             for path in project_python_files()
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if MODEL_BACKEND_CACHES.search(line)]
    assert using == []
