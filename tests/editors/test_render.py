"""Compiled component templates are kept between runs, and never served stale."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold import _names, _render
from scaffold._paths import template_root
from scaffold._project import DEFAULT_HOST_VARS

COMPONENTS = sorted(
    p.relative_to(template_root()).as_posix()
    for p in (template_root() / "templates/components").rglob("*.jinja")
)


def variables() -> dict[str, object]:
    found = _names.component_vars(
        "orderSeen",
        topic="order-seen",
        vendor="acme",
        app_name="order-sync",
        sender="acme.partner",
        topics=["order-seen"],
        kind="job",
    )
    return {**DEFAULT_HOST_VARS, **found, "store": "vbase"}


def test_a_compiled_template_renders_what_compiling_it_renders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, cache = str(template_root()), str(tmp_path / "cache")
    (tmp_path / "cache").mkdir()
    first = _render.make_environment(root, cache_dir=cache)
    rendered = {name: first.get_template(name).render(variables()) for name in COMPONENTS}
    assert len(list((tmp_path / "cache").iterdir())) == len(COMPONENTS)
    second = _render.make_environment(root, cache_dir=cache)

    def no_compiling(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled again although the cache holds it")

    monkeypatch.setattr(second, "compile", no_compiling)
    assert {name: second.get_template(name).render(variables()) for name in COMPONENTS} == (
        rendered
    )


def test_an_edited_template_is_compiled_again(tmp_path: Path) -> None:
    (tmp_path / "cache").mkdir()
    (tmp_path / "t").mkdir()
    template = tmp_path / "t" / "x.jinja"
    template.write_text("one {{ a }}\n", encoding="utf-8")
    make = _render.make_environment
    assert make(str(tmp_path / "t"), cache_dir=str(tmp_path / "cache")).get_template(
        "x.jinja"
    ).render(a=1) == ("one 1\n")
    template.write_text("two {{ a }}\n", encoding="utf-8")
    assert make(str(tmp_path / "t"), cache_dir=str(tmp_path / "cache")).get_template(
        "x.jinja"
    ).render(a=1) == ("two 1\n")


def test_an_unusable_cache_folder_only_costs_the_compiling(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "x.jinja").write_text("{{ a }}\n", encoding="utf-8")
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("", encoding="utf-8")
    for _ in range(2):
        environment = _render.make_environment(str(tmp_path / "t"), cache_dir=str(not_a_folder))
        assert environment.get_template("x.jinja").render(a=3) == "3\n"


def test_the_cache_lives_in_the_users_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    environment = _render.make_environment(str(template_root()), cache_dir=None)
    environment.get_template(COMPONENTS[0]).render(variables())
    assert len(list((tmp_path / "xdg" / "scaffold" / "templates").iterdir())) == 1
    (tmp_path / "file").write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))  # no folder can be made
    environment = _render.make_environment(str(template_root()), cache_dir=None)
    assert environment.get_template(COMPONENTS[0]).render(variables()) == (
        _render.make_environment(str(template_root()), cache_dir=None)
        .get_template(COMPONENTS[0])
        .render(variables())
    )


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data, magic: data[: len(magic) + 3], id="truncated"),
        pytest.param(lambda data, magic: magic + b"\x80\x04garbage" * 4, id="bad-checksum"),
        pytest.param(lambda data, magic: data[:-20] + b"\x00" * 20, id="bad-code"),
    ],
)
def test_a_damaged_cache_entry_is_compiled_again(
    tmp_path: Path, damage: Callable[[bytes, bytes], bytes]
) -> None:
    from jinja2.bccache import bc_magic

    (tmp_path / "cache").mkdir()
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "x.jinja").write_text("v={{ a }}\n", encoding="utf-8")
    make = _render.make_environment
    assert make(str(tmp_path / "t"), cache_dir=str(tmp_path / "cache")).get_template(
        "x.jinja"
    ).render(a=1) == ("v=1\n")
    (entry,) = (tmp_path / "cache").iterdir()
    entry.write_bytes(damage(entry.read_bytes(), bc_magic))  # a crash mid-write, a bad disk
    assert make(str(tmp_path / "t"), cache_dir=str(tmp_path / "cache")).get_template(
        "x.jinja"
    ).render(a=2) == ("v=2\n")
