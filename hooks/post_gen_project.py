"""Remove the files of the options that were not chosen, and record the answers for replay."""

import json
import sys
from pathlib import Path

# The answers arrive as JSON text, never pasted into code.
RAW_ANSWERS = r"""{{ cookiecutter | tojson }}"""

# Options that are not model actions, and the files that exist only for them. A model
# action's option, include_<action>, owns websocket_api/mixins/<action>.py and
# tests/test_action_<action>.py.
FEATURE_FILES = {
    "subscriptions": [
        "websocket_api/mixins/subscriptions.py",
        "websocket_api/observer.py",
        "tests/test_subscriptions.py",
        "tests/asgi_live_updates.py",
    ],
}


def option_files(answers: dict) -> dict[str, list[str]]:
    """Each include_<option> answer's name -> the files that exist only for that option."""
    options = [key.removeprefix("include_") for key in answers if key.startswith("include_")]
    return {
        option: FEATURE_FILES.get(option)
        or [f"websocket_api/mixins/{option}.py", f"tests/test_action_{option}.py"]
        for option in options
    }


# Files that several options share, and those options: kept while any of them is chosen.
SHARED_FILES = {
    "websocket_api/mixins/updating.py": ("patch", "update"),
}

# Keys that hold where the template and the output were, not what was chosen.
MACHINE_KEYS = ("_template", "_output_dir", "_repo_dir", "_checkout")


def is_yes(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y", "on"}
    return bool(value)


# Files that exist only for one answer of a choice.
CHOICE_FILES = {
    ("channel_layer", "redis"): [
        "tests/test_redis_layer.py",
        "tests/test_redis_secrets.py",
        "tests/test_redis_faults.py",
    ],
    ("database", "sqlite"): ["tests/test_sqlite_faults.py"],
    ("database", "postgresql"): ["tests/test_postgresql_faults.py"],
}


def unchosen_options(answers: dict) -> list[str]:
    return [option for option in option_files(answers) if not is_yes(answers[f"include_{option}"])]


def unchosen_choice_files(answers: dict) -> list[str]:
    return [
        relative
        for (question, answer), files in CHOICE_FILES.items()
        if answers.get(question) != answer
        for relative in files
    ]


def remove_unchosen(project: Path, answers: dict) -> list[Path]:
    """Delete the files of every option not chosen; return what was deleted."""
    files = option_files(answers)
    unchosen_set = set(unchosen_options(answers))
    unchosen = [path for option in unchosen_set for path in files[option]]
    unchosen += [path for path, owners in SHARED_FILES.items() if unchosen_set >= set(owners)]
    removed = []
    for relative in unchosen + unchosen_choice_files(answers):
        path = project / relative
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed


def record_answers(project: Path, answers: dict) -> Path:
    """Write the answers as a replay file: ``cookiecutter --replay-file .cookiecutter.json``."""
    kept = {key: value for key, value in answers.items() if key not in MACHINE_KEYS}
    path = project / ".cookiecutter.json"
    path.write_text(json.dumps({"cookiecutter": kept}, indent=2, ensure_ascii=False) + "\n")
    return path


if __name__ == "__main__":
    answers = json.loads(RAW_ANSWERS)
    project_dir = Path.cwd()
    remove_unchosen(project_dir, answers)
    record_answers(project_dir, answers)
    sys.exit(0)
