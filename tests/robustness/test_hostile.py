"""Hostile text renders as text, and only the bundled template runs, never a stranger's code.

Title and description are free text: they reach manifest.json (JSON), .copier-answers.yml
(YAML), README.md and docs/README.md (Markdown). Each output is parsed by a real parser and
must give back exactly what was typed, with no markup, HTML or template evaluation. Sender,
topic and handler names reach TypeScript; the validators refuse anything but identifier-like
text (tests/robustness/test_reliability.py), and the most unusual names they accept are
compiled with tsc and run with jest here (node test).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from scaffold import new as new_module
from scaffold._answers import AppAnswers
from scaffold.cli import app as cli
from scaffold.errors import UserError
from scaffold.new import create_app
from tests import nodeapp
from tests.reliability import tree_state

HOSTILE = {
    "quotes": "It's \"quoted\" and 'single'",
    "backticks-template-literal": "Run `rm -rf /` and ${process.exit(1)}",
    "comment-close": "Closes */ a comment /* and // more",
    "html": "</script><script>alert(1)</script><img src=x onerror=alert(1)>",
    "jinja": "{{ 7 * 7 }} {% if true %}x{% endif %} {# c #} {{ name }}",
    "markdown": "# *bold* _it_ [link](http://evil.example) ![img](x) | cell | ~~s~~ \\ &amp;",
    "block-start": "1. looks like a list - and > a quote",
    "dash-start": "- a list item, = and +",
    "unicode": "Café 日本語 emoji \U0001f600 and a right-to-left \u05d0",
}


def markdown_text(tokens: list[object]) -> str:
    """The text a Markdown renderer would show for an inline token's children."""
    out = []
    for child in getattr(tokens, "children", None) or []:
        kind = getattr(child, "type", "")
        assert kind in {"text", "code_inline", "softbreak"}, kind  # no link, html, emphasis
        out.append(getattr(child, "content", ""))
    return "".join(out)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    base = tmp_path_factory.mktemp("hostile")
    for case, text in HOSTILE.items():
        dest = base / case
        create_app(dest, AppAnswers("acme", "order-sync", text, text, "vbase", False))
        out[case] = dest
    return out


@pytest.mark.parametrize("case", HOSTILE)
def test_json_and_yaml_keep_the_text(rendered: dict[str, Path], case: str) -> None:
    app, text = rendered[case], HOSTILE[case]
    manifest = json.loads((app / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["title"] == text and manifest["description"] == text
    assert manifest["name"] == "order-sync"  # the text did not spill into other fields
    answers = yaml.safe_load((app / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["title"] == text and answers["description"] == text
    package = json.loads((app / "node/package.json").read_text(encoding="utf-8"))
    assert package["name"] == "order-sync"


@pytest.mark.parametrize("case", HOSTILE)
def test_markdown_shows_the_text_and_nothing_else(rendered: dict[str, Path], case: str) -> None:
    app, text = rendered[case], HOSTILE[case]
    md = MarkdownIt("commonmark")
    readme = md.parse((app / "README.md").read_text(encoding="utf-8"))
    assert [t.type for t in readme[:3]] == ["heading_open", "inline", "heading_close"]
    assert markdown_text(readme[1]) == f"{text} (acme.order-sync)"
    docs = md.parse((app / "docs/README.md").read_text(encoding="utf-8"))
    assert [t.type for t in docs[:3]] == ["heading_open", "inline", "heading_close"]
    assert markdown_text(docs[1]) == text
    assert [t.type for t in docs[3:6]] == ["paragraph_open", "inline", "paragraph_close"]
    assert markdown_text(docs[4]) == text
    for tokens in (readme, docs):  # the only HTML is the template's own block markers
        html = [t.content for t in tokens if t.type.startswith("html")]
        assert all(h.startswith("<!-- scaffold:") for h in html), html


def test_title_with_jinja_is_not_evaluated(rendered: dict[str, Path]) -> None:
    app = rendered["jinja"]
    manifest = json.loads((app / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["title"] == HOSTILE["jinja"]
    for rel in ("README.md", "docs/README.md"):
        heading = (app / rel).read_text(encoding="utf-8").splitlines()[0]
        assert "49" not in heading and r"7 \* 7" in heading, heading


# --- templates: the bundled one only, and copier never runs code from it --------------------

UNSAFE = {
    "tasks": "_tasks:\n  - touch {marker}\n",
    "jinja-extensions": "_jinja_extensions:\n  - evil_module.Extension\n",
    "migrations-and-tasks": (
        "_migrations:\n  - version: v0.0.0\n    command: touch {marker}\n"
        "_tasks:\n  - touch {marker}\n"
    ),
}


def make_template(root: Path, unsafe: str, marker: Path) -> Path:
    (root / "templates/app").mkdir(parents=True)
    (root / "copier.yml").write_text(
        "_subdirectory: templates/app\nvendor: {type: str}\n" + unsafe.format(marker=marker),
        encoding="utf-8",
    )
    (root / "templates/app/owned.txt").write_text("owned\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("feature", UNSAFE)
def test_template_code_never_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, feature: str
) -> None:
    marker = tmp_path / "PWNED"
    template = make_template(tmp_path / "template", UNSAFE[feature], marker)
    settings = tmp_path / "copier-settings.yml"
    settings.write_text(f"trust:\n  - {tmp_path}/\n", encoding="utf-8")  # the user trusts it
    monkeypatch.setenv("COPIER_SETTINGS_PATH", str(settings))
    monkeypatch.setattr(new_module, "template_root", lambda: template)
    work = tmp_path / "work"
    work.mkdir()
    before = tree_state(tmp_path)
    answers = AppAnswers("acme", "order-sync", "T", "", "vbase", False)
    with pytest.raises(UserError, match=r"the app template failed to render: .*unsafe"):
        create_app(work / "dest", answers)
    assert not marker.exists()
    assert tree_state(tmp_path) == before


def test_a_template_in_the_working_folder_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "PWNED"
    make_template(tmp_path, UNSAFE["tasks"], marker)  # copier.yml + templates/ right here
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli, ["new", "dest", "--vendor", "acme", "--name", "order-sync", "--defaults"]
    )
    assert result.exit_code == 0, result.output
    assert not marker.exists()
    assert not (tmp_path / "dest/owned.txt").exists()
    manifest = json.loads((tmp_path / "dest/manifest.json").read_text(encoding="utf-8"))
    assert manifest["vendor"] == "acme" and "node" in manifest["builders"]


def test_new_renders_with_unsafe_false(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import copier

    seen: dict[str, object] = {}
    real = copier.run_copy

    def spy(*args: object, **kwargs: object) -> object:
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(copier, "run_copy", spy)
    create_app(tmp_path / "app", AppAnswers("acme", "order-sync", "T", "", "vbase", False))
    assert seen["unsafe"] is False
    assert isinstance(seen["settings"], copier.Settings) and not seen["settings"].trust


# --- the most unusual names the validators accept compile and pass their tests -------------


@pytest.mark.node
def test_unusual_accepted_names_compile_and_pass_jest(tmp_path: Path) -> None:
    root = tmp_path / "app"
    create_app(root, AppAnswers("a1", "b-2", "T", "", "vbase", False))
    steps = [
        ["add-event", "NaN", "--sender", "z9.y-8", "--topic", "A.b_c-9", "--topic", "x"],
        ["add-event", "a1b", "--sender", "vtex.broadcaster", "--topic", "broadcaster.notification"],
        ["add-worker", "v2-sync", "--topic", "Z9.y_x-w"],
        ["add-worker", "q", "--no-batch", "--no-route"],
        ["add-publisher", "r.s_t-9"],
    ]
    for args in steps:
        result = CliRunner().invoke(cli, [*args, "-C", str(root)])
        assert result.exit_code == 0, (args, result.output)
    node_dir = root / "node"
    checked = nodeapp.typecheck(node_dir)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = nodeapp.jest(node_dir)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    shutil.rmtree(node_dir / "node_modules", ignore_errors=True)
