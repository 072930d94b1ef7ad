"""``.env.example`` lists exactly the environment variables the settings read, with defaults."""

import ast
import re
from pathlib import Path

import pytest
from django.test import SimpleTestCase

pytestmark = pytest.mark.slow

PROJECT_DIR = Path(__file__).resolve().parent.parent
SETTINGS = PROJECT_DIR / "config" / "settings.py"
ENV_EXAMPLE = PROJECT_DIR / ".env.example"
# "NAME=value" gives the default; "#NAME=value" is unset by default, with an example.
ENTRY = re.compile(r"^(#?)([A-Z][A-Z0-9_]*)=(.*)$", re.MULTILINE)
READERS = {"os.environ.get", "os.getenv", "os.environ.setdefault"}
# Calls into libraries that read a variable of their own, and its name.
LIBRARY_READERS = {"dj_database_url.config": "DATABASE_URL"}
TRUE = {"1", "true", "yes", "on"}
NO_DEFAULT = object()


ARITHMETIC = {ast.Add: float.__add__, ast.Sub: float.__sub__, ast.Mult: float.__mul__}


def literal(node: ast.expr | None) -> object:
    """The value of a constant expression (``1024 * 1024`` included), else NO_DEFAULT."""
    if node is None:
        return NO_DEFAULT
    if isinstance(node, ast.BinOp) and type(node.op) in ARITHMETIC:
        left, right = literal(node.left), literal(node.right)
        if isinstance(left, int | float) and isinstance(right, int | float):
            return ARITHMETIC[type(node.op)](float(left), float(right))
        return NO_DEFAULT
    try:
        return ast.literal_eval(node)
    except ValueError:
        return NO_DEFAULT


def variables_read(source: str) -> dict[str, tuple[str, object]]:
    """Each variable the settings read -> (the reading function, its literal default)."""
    tree = ast.parse(source)
    helpers = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("env_")
    }
    found: dict[str, tuple[str, object]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            name = literal(node.slice)
            if isinstance(name, str):
                found.setdefault(name, ("os.environ", NO_DEFAULT))
        if not isinstance(node, ast.Call):
            continue
        function = ast.unparse(node.func)
        if function in LIBRARY_READERS:
            found[LIBRARY_READERS[function]] = (function, NO_DEFAULT)
        elif function in READERS or function in helpers:
            name = literal(node.args[0]) if node.args else None
            if isinstance(name, str):
                default = literal(node.args[1]) if len(node.args) > 1 else None
                if function == "env_bool" and len(node.args) == 1:
                    default = False
                found[name] = (function, default)
    return found


def example_entries(text: str) -> dict[str, tuple[bool, str]]:
    """Each variable of .env.example -> (whether it is set, its value)."""
    return {name: (not hashed, value) for hashed, name, value in ENTRY.findall(text)}


def same_value(function: str, default: object, value: str) -> bool:
    if function == "env_bool":
        return (value.strip().lower() in TRUE) == default
    if isinstance(default, int | float):
        return float(value) == default
    return value == default


class EnvExampleTests(SimpleTestCase):
    def test_every_variable_the_settings_read_is_listed_and_nothing_else(self):
        read = set(variables_read(SETTINGS.read_text(encoding="utf-8")))
        listed = set(example_entries(ENV_EXAMPLE.read_text(encoding="utf-8")))
        self.assertEqual(
            (sorted(read - listed), sorted(listed - read)),
            ([], []),
            "First list: read by config/settings.py, add them to .env.example with their "
            "defaults. Second list: no longer read, remove them from .env.example.",
        )

    def test_each_variable_is_listed_once(self):
        names = [name for _, name, _ in ENTRY.findall(ENV_EXAMPLE.read_text(encoding="utf-8"))]
        self.assertEqual(sorted({n for n in names if names.count(n) > 1}), [])

    def test_the_values_set_are_the_defaults(self):
        entries = example_entries(ENV_EXAMPLE.read_text(encoding="utf-8"))
        wrong = []
        for name, (function, default) in variables_read(SETTINGS.read_text()).items():
            is_set, value = entries.get(name, (False, ""))
            if not is_set:
                continue
            if default is NO_DEFAULT:
                wrong.append(f"{name}: its default is computed, so write it as #{name}=...")
            elif not same_value(function, default, value):
                wrong.append(f"{name}={value}, but the default is {default!r}")
        self.assertEqual(wrong, [])

    def test_the_reader_finds_every_kind_of_read(self):
        source = (
            "import os\n"
            "def env_int(name, default): return int(os.environ.get(name, default))\n"
            "A = os.environ.get('A', 'x')\n"
            "B = os.environ['B']\n"
            "C = env_int('C', 3)\n"
            "D = dj_database_url.config(default='sqlite://')\n"
            "E = os.getenv('E')\n"
        )
        read = variables_read(source)
        self.assertEqual(sorted(read), ["A", "B", "C", "DATABASE_URL", "E"])
        self.assertEqual(read["C"], ("env_int", 3))
