"""Build what ``scaffold dev`` runs: the app (its own ``tsc``) and the local platform.

Everything goes under ``<app>/.scaffold/dev/`` (git-ignored in generated apps):

- ``build/``: the app compiled by its own TypeScript (``tsc -p node``, incremental);
- ``platform/``: the platform model, its HTTP server and the runtime boot harness rendered
  from the same component templates the generated app's tests use, plus ``main.ts``,
  transpiled to JavaScript by the app's TypeScript;
- ``runtime/``: the folder layout the @vtex/api runtime loads;
- ``state.json``: VBase files and Master Data documents, kept across restarts.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from scaffold import _project
from scaffold._paths import template_root
from scaffold.errors import ProjectError, UserError

STATE_DIR = ".scaffold/dev"

# (template, module) of the node side, relative to the template root.
PLATFORM_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("templates/components/support/platformModel.ts.jinja", "platformModel.ts"),
    ("templates/components/support/platformServer.ts.jinja", "platformServer.ts"),
    ("templates/components/support/runtime.ts.jinja", "runtime.ts"),
    ("templates/dev/main.ts", "main.ts"),
)

# Transpiles the platform modules with the app's own TypeScript (argv: typescript's path,
# then source/output pairs). Type errors in them are the generated app's `npm run lint`'s job.
_TRANSPILE = """
const fs = require('fs')
const ts = require(process.argv[1])
const files = process.argv.slice(2)
for (let i = 0; i < files.length; i += 2) {
  const out = ts.transpileModule(fs.readFileSync(files[i], 'utf8'), {
    fileName: files[i],
    compilerOptions: {
      module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true,
    },
  })
  fs.writeFileSync(files[i + 1], out.outputText)
}
"""


class CompileError(UserError):
    """The app does not compile."""


@dataclass(frozen=True)
class DevApp:
    """An app as ``scaffold dev`` sees it."""

    root: Path
    node: Path
    vendor: str
    name: str
    version: str

    @property
    def state(self) -> Path:
        """``.scaffold/dev/``."""
        return self.root / STATE_DIR

    @property
    def app(self) -> str:
        """``vendor.name``."""
        return f"{self.vendor}.{self.name}"

    @property
    def app_id(self) -> str:
        """``vendor.name@version``."""
        return f"{self.app}@{self.version}"


def load(start: Path) -> DevApp:
    """Find the app around ``start`` and check it can run.

    Args:
        start: A folder inside the app.

    Returns:
        The app.

    Raises:
        ProjectError: Not a node app, or its dependencies are not installed.
    """
    found = _project.load_app(start)
    node = found.node
    if not (node / "service.json").is_file() or not (node / "index.ts").is_file():
        raise ProjectError(
            f"{found.root}: node/service.json or node/index.ts is missing; not a node app"
        )
    for package in ("@vtex/api", "typescript"):
        if not (node / "node_modules" / package / "package.json").is_file():
            raise ProjectError(
                f"{node}/node_modules has no {package}; run `npm install` in {node} first"
            )
    if shutil.which("node") is None:
        raise ProjectError("`node` is not on PATH; install Node.js 20")
    version = str(found.manifest.get("version") or "0.0.0")
    return DevApp(found.root, node, found.vendor, found.name, version)


def clean(app: DevApp) -> None:
    """Forget the saved platform state (VBase files, documents) and the build."""
    shutil.rmtree(app.state, ignore_errors=True)


def build_platform(app: DevApp) -> Path:
    """Render and transpile the local platform; skipped when nothing changed.

    Args:
        app: The app.

    Returns:
        The compiled ``main.js``.
    """
    from scaffold._render import render

    folder = app.state / "platform"
    folder.mkdir(parents=True, exist_ok=True)
    root = template_root()
    sources: list[Path] = []
    for template, module in PLATFORM_TEMPLATES:
        text = (
            render(template)
            if template.endswith(".jinja")
            else (root / template).read_text(encoding="utf-8")
        )
        target = folder / module
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
        sources.append(target)
    typescript = app.node / "node_modules" / "typescript"
    stamp = hashlib.sha256()
    for source in sources:
        stamp.update(source.read_bytes())
    stamp.update(str(typescript.resolve()).encode())
    stamp_file = folder / "js" / ".stamp"
    main = folder / "js" / "main.js"
    if stamp_file.is_file() and stamp_file.read_text() == stamp.hexdigest() and main.is_file():
        return main
    (folder / "js").mkdir(exist_ok=True)
    pairs = [str(p) for s in sources for p in (s, folder / "js" / f"{s.stem}.js")]
    done = subprocess.run(
        ["node", "-e", _TRANSPILE, str(typescript), *pairs],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise ProjectError(f"could not compile the local platform with {typescript}: {last}")
    stamp_file.write_text(stamp.hexdigest())
    return main


def build_app(app: DevApp) -> Path:
    """Compile the app with its own TypeScript (incremental), into ``.scaffold/dev/build``.

    Args:
        app: The app.

    Returns:
        The compiled entry (``index.js``).

    Raises:
        CompileError: ``tsc`` reported errors (the first one is in the message).
    """
    out = app.state / "build"
    app.state.mkdir(parents=True, exist_ok=True)
    # Sources as they were at the last good build: then even an incremental tsc (seconds
    # to load the compiler and check the program) is not needed.
    key = hashlib.sha256(json.dumps(sorted(sources_snapshot(app).items())).encode()).hexdigest()
    stamp = app.state / "build.stamp"
    built = [e for e in (out / "index.js", out / "node" / "index.js") if e.is_file()]
    if built and stamp.is_file() and stamp.read_text() == key:
        return built[0]
    stamp.unlink(missing_ok=True)
    tsc = app.node / "node_modules" / "typescript" / "bin" / "tsc"
    done = subprocess.run(
        [
            "node",
            str(tsc),
            "-p",
            str(app.node),
            "--outDir",
            str(out),
            "--noEmit",
            "false",
            "--incremental",
            "--tsBuildInfoFile",
            str(app.state / "tsbuildinfo"),
            "--pretty",
            "false",
        ],
        cwd=app.node,
        capture_output=True,
        text=True,
        check=False,
    )
    errors = [line for line in done.stdout.splitlines() if "error TS" in line]
    if done.returncode != 0 or errors:
        output = (done.stdout + done.stderr).strip().splitlines()
        first = errors[0] if errors else (output or ["tsc failed without output"])[-1]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise CompileError(f"node/{first}{more}; fix it and save (or run `npm run lint` in node/)")
    for entry in (out / "index.js", out / "node" / "index.js"):
        if entry.is_file():
            stamp.write_text(key)
            return entry
    raise CompileError(
        f"tsc wrote no index.js under {out}; does node/tsconfig.json include index.ts?"
    )


def read_service(app: DevApp) -> dict[str, object]:
    """The parsed ``node/service.json``.

    Raises:
        ProjectError: It is not a JSON object.
    """
    try:
        value = json.loads((app.node / "service.json").read_text(encoding="utf-8"))
    except ValueError as error:
        raise ProjectError(f"node/service.json: {error}; fix the JSON") from None
    if not isinstance(value, dict):
        raise ProjectError("node/service.json: expected a JSON object")
    return value


def sources_snapshot(app: DevApp) -> dict[str, float]:
    """Modification times of what a rebuild depends on (the app's TypeScript and JSON).

    Args:
        app: The app.

    Returns:
        Path -> mtime.
    """
    found: dict[str, float] = {}
    skip = {"node_modules", "__tests__", ".scaffold"}
    stack = [app.node]
    while stack:
        folder = stack.pop()
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.name in skip or entry.name.startswith("."):
                continue
            if entry.is_dir():
                stack.append(entry)
            elif entry.suffix in {".ts", ".tsx", ".json"}:
                try:
                    found[str(entry)] = entry.stat().st_mtime
                except OSError:
                    continue
    return found
