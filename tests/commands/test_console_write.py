"""scaffold._console.write, hand-written so that check prints without typer, writes what
click.echo (with click.style for a colour) writes, to a terminal and to anything else."""

from __future__ import annotations

import io
import sys

import pytest
import typer

from scaffold import _console


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Counting(io.StringIO):
    flushes = 0

    def flush(self) -> None:
        self.flushes += 1
        super().flush()


TEXTS = ["plain", "", "two\nlines", "ünïcödé ✓", "already \x1b[1mbold\x1b[0m inside"]


def _click(stream: io.StringIO, text: str, *, nl: bool, fg: str | None) -> str:
    typer.echo(typer.style(text, fg=fg) if fg else text, file=stream, nl=nl)
    return stream.getvalue()


def _mine(
    stream: io.StringIO, text: str, *, nl: bool, fg: str | None, monkeypatch: pytest.MonkeyPatch
) -> str:
    monkeypatch.setattr(sys, "stdout", stream)
    _console.write(text, nl=nl, fg=fg)
    return stream.getvalue()


@pytest.mark.skipif(sys.platform == "win32", reason="click's Windows console path differs")
@pytest.mark.parametrize("kind", [Terminal, io.StringIO])
@pytest.mark.parametrize("fg", [None, "red", "green", "yellow", "cyan", "bright_black"])
@pytest.mark.parametrize("nl", [True, False])
@pytest.mark.parametrize("text", TEXTS)
def test_write_matches_click_echo(
    kind: type[io.StringIO], fg: str | None, nl: bool, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _click(kind(), text, nl=nl, fg=fg)
    assert _mine(kind(), text, nl=nl, fg=fg, monkeypatch=monkeypatch) == expected


def test_colour_reaches_a_terminal_and_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _mine(Terminal(), "x", nl=True, fg="red", monkeypatch=monkeypatch) == (
        "\x1b[31mx\x1b[0m\n"
    )
    assert _mine(io.StringIO(), "x", nl=True, fg="red", monkeypatch=monkeypatch) == "x\n"


def test_every_call_flushes_and_err_goes_to_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    out, err = Counting(), Counting()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    _console.write("a")
    _console.write("b", err=True)
    _console.write("", nl=False)
    assert (out.getvalue(), err.getvalue()) == ("a\n", "b\n")
    assert (out.flushes, err.flushes) == (2, 1)


def test_no_stream_writes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", None)
    _console.write("lost")  # pythonw: no error, as click.echo
