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
    assert {"manage.py", "config/settings.py", "tests/test_public_apis_only.py"} <= found


def test_no_module_uses_model_backends_permission_caches():
    using = [f"{path.relative_to(settings.BASE_DIR)}:{number}: {line.strip()}"
             for path in project_python_files()
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
             if MODEL_BACKEND_CACHES.search(line)]
    assert using == []


# Names Django and unfold keep to themselves: a `_`-prefixed name imported from either, the SQL
# compiler, QuerySet internals, a model instance's prefetch cache and the admin site's registry
# (`is_registered` and `get_model_admin` are its public face).
PRIVATE_NAMES = re.compile(
    r"from (?:django|unfold)[\w.]* import [^#\n]*\b_[a-z]\w*"
    r"|\bget_compiler\(|\bsql_with_params\(|\bModelIterable\b|\b_result_cache\b|\b_prefetch_related_lookups\b"
    r"|\b_iterable_class\b|\bsql\.compiler\b|\b_prefetched_objects_cache\b|\bsite\._registry\b"
)
# The modules that still use them: none. Kept so the test says so if one ever does again.
STILL_PRIVATE: dict[str, str] = {}


def test_private_django_and_unfold_names_are_used_only_where_still_listed():
    using = {path.relative_to(settings.BASE_DIR).as_posix()
             for path in project_python_files() if path.name != "test_public_apis_only.py"
             and PRIVATE_NAMES.search(path.read_text(encoding="utf-8"))}
    assert using - set(STILL_PRIVATE) == set(), "new uses of private names"
    assert set(STILL_PRIVATE) - using == set(), "no longer private: take it off STILL_PRIVATE"
