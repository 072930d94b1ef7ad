"""``manage.py asyncapi``: the AsyncAPI document of the WebSocket routes, or TypeScript types."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from websocket_api.schema import build_document, dump_json, dump_yaml
from websocket_api.typescript import typescript_from_document


class Command(BaseCommand):
    help = (
        "Write the AsyncAPI 3.0 document of the project's WebSocket routes (JSON or YAML), or "
        "TypeScript types of each route's requests and replies, to stdout or a file. The "
        "output is sorted and stable: commit it and diff it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--format", choices=("json", "yaml"), default="json", help="json (default) or yaml"
        )
        parser.add_argument(
            "--typescript",
            action="store_true",
            help="write TypeScript declarations of each route's requests and replies instead",
        )
        parser.add_argument("--output", "-o", help="write to this file instead of stdout")
        parser.add_argument(
            "--check",
            action="store_true",
            help="write nothing; fail if --output's file differs from what would be written",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        document = build_document()
        if options["typescript"]:
            text = typescript_from_document(document)
        elif options["format"] == "yaml":
            text = dump_yaml(document)
        else:
            text = dump_json(document)
        output = options["output"]
        if options["check"]:
            if not output:
                raise CommandError("--check needs --output, the file to compare.")
            path = Path(output)
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                raise CommandError(f"{output} is out of date: run this command without --check.")
            return
        if output:
            Path(output).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
