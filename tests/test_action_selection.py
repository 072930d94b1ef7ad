"""Every selection of actions renders a clean project holding exactly the chosen mixins."""

import compileall
import filecmp
from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException

from tests.bakery import (
    ACTIONS,
    TEMPLATE_DIR,
    assert_django_checks_pass,
    assert_lint_clean,
    assert_succeeds,
    files_with_template_syntax,
    link_node_modules,
    load_action_table,
    python,
    run,
    selection,
    subsets,
)

NON_EMPTY = [chosen for chosen in subsets() if chosen]
REPRESENTATIVE = [
    ACTIONS,
    *[(action,) for action in ACTIONS],
    *[tuple(a for a in ACTIONS if a != left_out) for left_out in ACTIONS],
]


def label(chosen) -> str:
    return "+".join(chosen) or "none"


def present_actions(project: Path) -> tuple[set[str], set[str]]:
    """The CRUD actions whose mixin module and whose test module the project holds."""
    mixins = {path.stem for path in (project / "websocket_api" / "mixins").glob("*.py")}
    tests = {path.stem for path in (project / "tests").glob("test_action_*.py")}
    shared = {"__init__", "subscriptions", "updating"}
    return mixins - shared, {t.removeprefix("test_action_") for t in tests}


@pytest.mark.parametrize("chosen", NON_EMPTY, ids=label)
def test_each_selection_renders_clean_with_exactly_its_files(bake, chosen):
    project = bake(**selection(chosen))
    assert files_with_template_syntax(project) == []
    assert present_actions(project) == (set(chosen), set(chosen))
    updating = project / "websocket_api" / "mixins" / "updating.py"
    assert updating.exists() == bool({"patch", "update"} & set(chosen))
    consumer = (project / "users" / "consumers.py").read_text()
    for row in load_action_table().values():
        assert (row.mixin_name in consumer) == (row.name in chosen), row.mixin_name
    assert compileall.compile_dir(project, quiet=1, force=True)
    assert_lint_clean(project)
    assert_django_checks_pass(project)


def test_the_empty_selection_is_refused_before_any_file_is_written(cookies, capfd, tmp_path):
    result = cookies.bake(extra_context=selection(()))
    assert isinstance(result.exception, FailedHookException)
    assert "Choose at least one action" in capfd.readouterr().err
    answers = [f"{key}=no" for key in selection(())]
    command = python("-m", "cookiecutter", "--no-input", "-o", "out", str(TEMPLATE_DIR))
    refused = run([*command, *answers], tmp_path)
    assert refused.returncode != 0
    assert "Choose at least one action" in refused.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def representative_renderings() -> list:
    """All six actions, each alone, each left out (those without live updates too), and
    the Redis and PostgreSQL choices, each with the marker expression its suite runs with:
    everything for all actions and for each layer and database; the tests that depend on
    the actions (those not marked slow) for the other selections. Each PostgreSQL
    rendering gets a slug, and so a test database, of its own."""
    cases = []
    for chosen in REPRESENTATIVE:
        live_updates = len(chosen) != len(ACTIONS) - 1
        answers = {**selection(chosen), "include_subscriptions": live_updates}
        selected = "" if chosen == ACTIONS else "not slow"
        name = label(chosen) + ("" if live_updates else "-static")
        cases.append(pytest.param(answers, selected, id=name))
    for layer, database in (
        ("redis", "sqlite"),
        ("in-memory", "postgresql"),
        ("redis", "postgresql"),
    ):
        slug = f"suite_{layer.replace('-', '_')}_{database}"
        answers = {"channel_layer": layer, "database": database, "project_slug": slug}
        cases.append(pytest.param(answers, "", id=f"{layer}-{database}"))
    return cases


@pytest.mark.parametrize(("answers", "selected"), representative_renderings())
def test_the_rendered_suite_passes(bake, answers, selected):
    """The whole suite for all actions and each layer and database; for the other action
    selections, the tests that depend on the actions (the ones not marked slow)."""
    project = bake(**answers)
    live_updates = answers.get("include_subscriptions", True)
    assert (project / "websocket_api" / "observer.py").exists() == live_updates
    redis = answers.get("channel_layer") == "redis"
    assert (project / "tests" / "test_redis_layer.py").exists() == redis
    link_node_modules(project)
    command = [
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        *(["-m", selected] if selected else []),
    ]
    output = assert_succeeds(python(*command), project, 900)
    assert " passed" in output and " failed" not in output


def tree(root: Path) -> set[str]:
    return {
        str(path.relative_to(root)) for path in root.rglob("*") if "__pycache__" not in path.parts
    }


def test_command_line_answers_and_their_replay_give_the_same_tree(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    cookiecutter = python("-m", "cookiecutter")
    assert_succeeds(
        [*cookiecutter, "--no-input", "-o", str(first), str(TEMPLATE_DIR)]
        + ["include_delete=no", "include_update=off"],
        tmp_path,
    )
    project = first / "realtime_api"
    assert present_actions(project)[0] == {"list", "retrieve", "patch", "create"}
    replay = project / ".cookiecutter.json"
    assert str(TEMPLATE_DIR) not in replay.read_text()
    assert_succeeds(
        [*cookiecutter, "--replay-file", str(replay), "-o", str(second), str(TEMPLATE_DIR)],
        tmp_path,
    )
    replayed = second / "realtime_api"
    assert tree(replayed) == tree(project)
    unchanged = ["users/consumers.py", "websocket_api/mixins/__init__.py", ".cookiecutter.json"]
    assert filecmp.cmpfiles(project, replayed, unchanged, shallow=False)[0] == unchanged
