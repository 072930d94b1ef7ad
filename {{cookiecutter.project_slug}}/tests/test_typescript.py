"""The TypeScript declarations: api-client.d.ts with the generated route types, under tsc."""

from __future__ import annotations

import json
import shutil
from io import StringIO
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from django.core.management import call_command
from django.test import SimpleTestCase

from tests.node_tools import PROJECT, tsc
from tests.support import ROUTES
from websocket_api.testing import APIDescription

pytestmark = pytest.mark.slow

OPTIONS = json.dumps({"timeout": 1000})
TSCONFIG = {
    "compilerOptions": {
        "strict": True,
        "noEmit": True,
        "target": "ES2022",
        "module": "ES2022",
        "moduleResolution": "bundler",
        "lib": ["ES2022", "DOM"],
        "skipLibCheck": False,
    },
    "include": ["*.ts"],
}


def typed_example(description: APIDescription) -> str:
    """A module that sends every documented example through a typed client per route."""
    lines = [
        'import { ApiClient, ApiError } from "./api-client.js";',
        'import type { Routes } from "./api-types";',
        "",
        'const where = { protocol: "http:", host: "127.0.0.1:8000" };',
        "",
        "export async function run(): Promise<void> {",
    ]
    for number, route in enumerate(ROUTES):
        client = f"client{number}"
        lines.append(
            f"  const {client} = new ApiClient<Routes[{json.dumps(route)}]>("
            f"ApiClient.urlFor({json.dumps(route)}, where), " + OPTIONS + ");"
        )
        for action, example in description.request_examples(route):
            payload = {key: value for key, value in example.items() if key != "action"}
            lines.append(f"  await {client}.request({json.dumps(action)}, {json.dumps(payload)});")
        lines.append(f"  {client}.close();")
    lines += [
        "}",
        "",
        "export function statusOf(error: unknown): number | null {",
        "  return error instanceof ApiError ? error.status : null;",
        "}",
        "",
    ]
    return "\n".join(lines)


class TypeScriptTests(SimpleTestCase):
    def compile(self, example: str) -> tuple[int, str]:
        with TemporaryDirectory() as folder:
            work = Path(folder)
            (work / "node_modules").symlink_to(PROJECT / "node_modules")
            for name in ("api-client.js", "api-client.d.ts"):
                shutil.copy(PROJECT / "static" / "js" / name, work / name)
            call_command("asyncapi", "--typescript", "--output", str(work / "api-types.ts"))
            (work / "example.ts").write_text(example, encoding="utf-8")
            (work / "tsconfig.json").write_text(json.dumps(TSCONFIG), encoding="utf-8")
            result = tsc("--project", "tsconfig.json", cwd=work)
        return result.returncode, result.stdout + result.stderr

    def test_the_documented_examples_compile_against_the_generated_types(self):
        code, output = self.compile(typed_example(APIDescription()))
        self.assertEqual(code, 0, output)

    def test_a_wrongly_typed_request_does_not_compile(self):
        """Negative control: a payload that breaks the types makes tsc fail."""
        description = APIDescription()
        action, example = description.request_examples(ROUTES[0])[0]
        wrong = typed_example(description).replace(
            "export async function run(): Promise<void> {",
            "export async function run(): Promise<void> {\n"
            f'  const bad = new ApiClient<Routes[{json.dumps(ROUTES[0])}]>("ws://x/");\n'
            '  await bad.request("no_such_action", ' + json.dumps({}) + ");\n"
            f"  await bad.request({json.dumps(action)}, " + json.dumps({"unknown_key": 1}) + ");",
        )
        code, output = self.compile(wrong)
        self.assertNotEqual(code, 0)
        self.assertIn("no_such_action", output)
        self.assertIn("unknown_key", output)

    def test_the_command_writes_one_action_map_per_route(self):
        output = StringIO()
        call_command("asyncapi", "--typescript", stdout=output)
        for route in ROUTES:
            self.assertIn(f"  {json.dumps(route)}: ", output.getvalue())
