"""Refuse answers that would render a broken project, before any file is written."""

import json
import keyword
import re
import sys

# The answers arrive as JSON text, never pasted into code.
RAW_ANSWERS = r"""{{ cookiecutter | tojson }}"""

# Options other than the model actions that are asked as include_<name>.
FEATURES = ("subscriptions",)
FREE_TEXT = ("project_name", "description", "author_name", "author_email")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def problems(answers: dict) -> list[str]:
    """One line per answer that cannot be used, saying what to change."""
    found = []
    slug = answers["project_slug"]
    if not slug.isidentifier() or keyword.iskeyword(slug):
        found.append(
            f"project_slug {slug!r} is not a valid Python identifier: use letters, digits "
            "and underscores, not starting with a digit."
        )
    for key in FREE_TEXT:
        if CONTROL_CHARACTERS.search(str(answers[key])):
            found.append(f"{key} must be one line of text without tabs or control characters.")
    if not str(answers["project_name"]).strip():
        found.append("project_name must not be empty.")
    if not EMAIL.match(str(answers["author_email"])):
        found.append(f"author_email {answers['author_email']!r} is not an email address.")
    if not any(is_yes(answers[f"include_{action}"]) for action in model_actions(answers)):
        found.append("Choose at least one action (include_list ... include_delete).")
    return found


def model_actions(answers: dict) -> list[str]:
    """The model actions cookiecutter.json asks about, as include_<action> answers."""
    names = [key.removeprefix("include_") for key in answers if key.startswith("include_")]
    return [name for name in names if name not in FEATURES]


def is_yes(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y", "on"}
    return bool(value)


if __name__ == "__main__":
    errors = problems(json.loads(RAW_ANSWERS))
    for error in errors:
        print(f"ERROR: {error}", file=sys.stderr)
    sys.exit(1 if errors else 0)
