"""The hooks' functions, run directly on plain data and a temporary folder."""

import importlib.util
import json
from pathlib import Path

import pytest

from tests.bakery import ACTIONS, TEMPLATE_DIR, load_action_table, selection


def load_hook(name: str):
    spec = importlib.util.spec_from_file_location(name, TEMPLATE_DIR / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pre_gen = load_hook("pre_gen_project")
post_gen = load_hook("post_gen_project")

GOOD_ANSWERS = {
    "project_name": "Realtime API",
    "project_slug": "realtime_api",
    "description": "An API.",
    "author_name": "Ada",
    "author_email": "ada@example.com",
    **selection(ACTIONS),
    "include_subscriptions": True,
}


def test_good_answers_have_no_problems():
    assert pre_gen.problems(GOOD_ANSWERS) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"project_slug": "with space"}, "project_slug 'with space' is not a valid Python"),
        ({"author_name": "A\x00B"}, "author_name must be one line"),
        ({"author_email": "@example.com"}, "author_email '@example.com' is not an email"),
        (selection(()), "Choose at least one action"),
    ],
)
def test_each_problem_is_one_line_saying_what_to_change(change, expected):
    problems = pre_gen.problems({**GOOD_ANSWERS, **change})
    assert len(problems) == 1
    assert problems[0].startswith(expected)
    assert "\n" not in problems[0]


@pytest.mark.parametrize("value", ["no", "off", "false", False, "0"])
def test_negative_answers_count_as_not_chosen(value):
    answers = {**GOOD_ANSWERS, "include_delete": value}
    assert post_gen.unchosen_options(answers) == ["delete"]


def test_the_removal_table_deletes_exactly_the_unchosen_options_files(tmp_path: Path):
    option_files = post_gen.option_files(GOOD_ANSWERS)
    for files in option_files.values():
        for relative in files:
            (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / relative).write_text("# kept unless unchosen\n")
    answers = {**GOOD_ANSWERS, **selection(("list", "create")), "include_subscriptions": "no"}
    for relative in post_gen.SHARED_FILES:
        (tmp_path / relative).write_text("# shared\n")
    removed = post_gen.remove_unchosen(tmp_path, answers)
    left = sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*.py"))
    assert left == sorted(option_files["list"] + option_files["create"])
    assert len(removed) == 13


def test_every_file_in_the_removal_table_exists_in_the_template():
    project = TEMPLATE_DIR / "{{cookiecutter.project_slug}}"
    option_files = post_gen.option_files(GOOD_ANSWERS)
    assert set(option_files) == {*ACTIONS, "subscriptions"}
    for files in [*option_files.values(), post_gen.SHARED_FILES]:
        for relative in files:
            assert (project / relative).is_file(), relative


def test_the_questions_ask_about_exactly_the_action_tables_actions():
    assert ACTIONS == tuple(load_action_table())
    assert pre_gen.model_actions(GOOD_ANSWERS) == list(ACTIONS)


def test_recorded_answers_leave_out_machine_paths(tmp_path: Path):
    answers = {**GOOD_ANSWERS, "_template": "/home/me/tpl", "_output_dir": "/tmp/x"}
    answers |= {"_repo_dir": "/home/me/tpl", "_checkout": None, "_copy_without_render": []}
    path = post_gen.record_answers(tmp_path, answers)
    recorded = json.loads(path.read_text())["cookiecutter"]
    assert recorded == {**GOOD_ANSWERS, "_copy_without_render": []}
    assert "/home/me" not in path.read_text()


def test_choice_files_stay_only_for_their_answer():
    redis = {"channel_layer": "redis", "database": "sqlite"}
    assert post_gen.unchosen_choice_files(redis) == ["tests/test_postgresql_faults.py"]
    assert post_gen.unchosen_choice_files({"channel_layer": "in-memory", "database": "sqlite"}) == [
        "tests/test_redis_layer.py",
        "tests/test_redis_secrets.py",
        "tests/test_redis_faults.py",
        "tests/test_postgresql_faults.py",
    ]
