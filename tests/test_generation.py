"""Rendering the template: clean output, awkward answers, refused answers."""

import compileall
import tomllib

import pytest
from cookiecutter.exceptions import FailedHookException

from tests.bakery import (
    TEMPLATE_DIR,
    assert_django_checks_pass,
    assert_lint_clean,
    assert_succeeds,
    files_with_template_syntax,
    python,
    selection,
)


def test_the_default_rendering_is_complete_and_clean(bake):
    project = bake()
    for relative in (
        "manage.py",
        "config/settings.py",
        "config/asgi.py",
        "config/routing.py",
        "config/urls.py",
        "websocket_api/generics.py",
        "websocket_api/view_consumer.py",
        "users/consumers.py",
        "demo/templates/demo/index.html",
        "demo/static/demo/demo.js",
        "static/js/api-client.js",
        "scripts/provision.py",
        "README.md",
        "SECURITY.md",
        "requirements.txt",
        ".cookiecutter.json",
    ):
        assert (project / relative).is_file(), relative
    assert files_with_template_syntax(project) == []
    assert compileall.compile_dir(project, quiet=1, force=True)
    assert_lint_clean(project)
    assert_django_checks_pass(project)
    assert_succeeds(
        python("manage.py", "makemigrations", "--check", "--dry-run"), project, DJANGO_DEBUG="1"
    )


def test_leaving_out_live_updates_removes_their_files_cleanly(bake):
    project = bake(include_subscriptions="no")
    for relative in (
        "websocket_api/observer.py",
        "websocket_api/mixins/subscriptions.py",
        "tests/test_subscriptions.py",
    ):
        assert not (project / relative).exists(), relative
    assert "Subscription" not in (project / "users" / "consumers.py").read_text()
    assert files_with_template_syntax(project) == []
    assert_lint_clean(project)
    assert_django_checks_pass(project)


def test_each_rendering_gets_its_own_development_secret_key(bake):
    keys = set()
    for _ in range(2):
        settings = (bake() / "config" / "settings.py").read_text()
        keys.add(next(line for line in settings.splitlines() if "DEVELOPMENT_SECRET_KEY =" in line))
    assert len(keys) == 2


AWKWARD_ANSWERS = [
    {"project_name": 'The "Quoted" API', "description": 'Says "hi" and \\o/ with a \\n'},
    {"project_name": "O'Brien's API", "author_name": "Siobhán O'Brien"},
    {"project_name": "Ünïcødé API ✓", "description": "Données en temps réel — 実時間"},
    {"project_name": "Back\\slash", "description": "ends with a backslash \\"},
    {"project_name": "Braces {} and <tags> & ampersands", "description": "50% off; {x}"},
]


@pytest.mark.parametrize("answers", AWKWARD_ANSWERS)
def test_awkward_free_text_answers_render_intact(bake, answers):
    project = bake(project_slug="awkward", **answers)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    if "description" in answers:
        assert pyproject["project"]["description"] == answers["description"]
    if "author_name" in answers:
        assert pyproject["project"]["authors"][0]["name"] == answers["author_name"]
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert answers["project_name"] in readme
    assert compileall.compile_dir(project, quiet=1, force=True)
    assert_lint_clean(project)
    assert_django_checks_pass(project)


REFUSED_ANSWERS = [
    ({"project_slug": "my-project"}, "not a valid Python identifier"),
    ({"project_slug": "2fast"}, "not a valid Python identifier"),
    ({"project_slug": "class"}, "not a valid Python identifier"),
    ({"project_name": "Two\nlines"}, "project_name must be one line"),
    ({"description": "tab\there"}, "description must be one line"),
    ({"project_name": "   ", "project_slug": "ok_slug"}, "project_name must not be empty"),
    ({"author_email": "not an email"}, "is not an email address"),
    (selection(()), "Choose at least one action"),
]


@pytest.mark.parametrize(("answers", "message"), REFUSED_ANSWERS)
def test_unusable_answers_are_refused_before_rendering(cookies, capfd, answers, message):
    result = cookies.bake(extra_context=answers)
    assert result.exit_code != 0
    assert isinstance(result.exception, FailedHookException)
    assert result.project_path is None
    assert message in capfd.readouterr().err


def test_the_templates_own_code_is_lint_clean():
    folders = ["hooks", "tests", "benchmarks"]
    assert_succeeds(python("-m", "ruff", "check", "--no-cache", *folders), TEMPLATE_DIR)
    assert_succeeds(python("-m", "ruff", "format", "--check", "--no-cache", *folders), TEMPLATE_DIR)
