"""Interactive prompts. The only module that imports questionary, and only when asked to."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scaffold.errors import InvalidAnswerError

if TYPE_CHECKING:
    from scaffold._answers import Question


def can_prompt() -> bool:
    """Tell whether a person can answer prompts (stdin and stdout are terminals).

    Returns:
        True on an interactive terminal.
    """
    return sys.stdin.isatty() and sys.stdout.isatty()


def ask(question: Question, default: Any) -> Any:
    """Ask one question with questionary, validating as the person types.

    Args:
        question: What to ask.
        default: The pre-filled answer, if any.

    Returns:
        The answer.

    Raises:
        KeyboardInterrupt: If the person cancels (Ctrl-C or Ctrl-D).
    """
    import questionary

    from scaffold._answers import coerce

    def validate(value: str) -> bool | str:
        try:
            coerce(question.key, value, source="the prompt")
        except InvalidAnswerError as error:
            return _plain(str(error))
        return True

    if question.kind == "bool":
        prompt = questionary.confirm(question.prompt, default=bool(default))
    elif question.kind == "choice":
        prompt = questionary.select(
            question.prompt, choices=list(question.choices), default=default
        )
    else:
        prompt = questionary.text(
            question.prompt, default="" if default is None else str(default), validate=validate
        )
    answer = _wrapping(prompt).unsafe_ask()
    if answer is None:
        raise KeyboardInterrupt
    return answer


def ask_text(message: str, validate: Callable[[str], object], default: str = "") -> str:
    """Ask for one line of text, re-asking until ``validate`` accepts it.

    Args:
        message: The question.
        validate: Raises ``InvalidAnswerError`` for an unacceptable answer.
        default: The pre-filled answer.

    Returns:
        The accepted answer, stripped.

    Raises:
        KeyboardInterrupt: If the person cancels (Ctrl-C or Ctrl-D).
    """
    import questionary

    def check(value: str) -> bool | str:
        try:
            validate(value.strip())
        except InvalidAnswerError as error:
            return _plain(str(error))
        return True

    prompt = questionary.text(message, default=default, validate=check)
    answer = _wrapping(prompt).unsafe_ask()
    if answer is None:
        raise KeyboardInterrupt
    return str(answer).strip()


def ask_name(what: str, example: str) -> str:
    """Ask for a handler, worker or topic name, validated like the command-line argument.

    Args:
        what: ``handler``, ``worker`` or ``topic``.
        example: A sample answer shown in the question.

    Returns:
        The name as typed (stripped); the command converts it.
    """
    from scaffold._names import handler_id, topic_id

    if what == "topic":
        return ask_text(f"Topic to publish (e.g. {example}):", topic_id)
    return ask_text(
        f"{what.capitalize()} name (e.g. {example}):",
        lambda value: handler_id(value, what=f"{what} name"),
    )


def ask_topics() -> list[str]:
    """Ask for one or more topics: the first is required, an empty answer ends the list.

    Returns:
        The topics, in the order typed, without repeats.
    """
    from scaffold._names import validate_topic

    topics = [ask_text("Topic (e.g. order-status-updated):", validate_topic)]
    while True:
        more = ask_text(
            "Another topic (Enter when done):",
            lambda value: validate_topic(value) if value else value,
        )
        if not more:
            return topics
        if more not in topics:
            topics.append(more)


def confirm(message: str) -> bool:
    """Ask a yes/no question whose default is yes.

    Args:
        message: The question.

    Returns:
        The answer.

    Raises:
        KeyboardInterrupt: If the person cancels (Ctrl-C or Ctrl-D).
    """
    import questionary

    answer = _wrapping(questionary.confirm(message, default=True)).unsafe_ask()
    if answer is None:
        raise KeyboardInterrupt
    return bool(answer)


def ask_sender() -> str:
    """Ask which app publishes the event (``vendor.app-name``)."""
    from scaffold._names import validate_sender

    return ask_text("Sender app (vendor.app-name, e.g. vtex.orders-broadcast):", validate_sender)


def ask_topic() -> str:
    """Ask for the topic of the event."""
    from scaffold._names import validate_topic

    return ask_text("Topic (e.g. order-status-updated):", validate_topic)


def _plain(message: str) -> str:
    """A validation message as the person at the prompt should read it."""
    for internal in (" (from the prompt)", " in the prompt"):
        message = message.replace(internal, "")
    return message


def _ctrl_d_cancels(question: Any) -> Any:
    """Make Ctrl-D cancel every prompt, like Ctrl-C, whatever is typed or selected.

    prompt_toolkit ends a text prompt on Ctrl-D only when the line is empty (with a default
    filled in, Ctrl-D deleted forward instead), and select and confirm prompts ignored it; one
    key, one behaviour: ``EOFError``, which the CLI reports like Ctrl-C.
    """
    from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings

    bindings = KeyBindings()

    @bindings.add("c-d", eager=True)
    def _cancel(event: Any) -> None:
        event.app.exit(exception=EOFError(), style="class:aborting")

    app = question.application
    app.key_bindings = (
        merge_key_bindings([app.key_bindings, bindings]) if app.key_bindings else bindings
    )
    return question


def _wrapping(question: Any) -> Any:
    """Let the validation message wrap over several lines instead of being cut at the edge.

    prompt_toolkit's validation toolbar is one line high, so the end of a long message (the
    "how to fix" part) was lost on an 80-column terminal. Ctrl-D cancels it
    (:func:`_ctrl_d_cancels`).
    """
    from prompt_toolkit.filters import to_filter
    from prompt_toolkit.layout.controls import FormattedTextControl

    _ctrl_d_cancels(question)
    for window in question.application.layout.find_all_windows():
        control = window.content
        text = getattr(control, "text", None)
        if isinstance(control, FormattedTextControl) and "ValidationToolbar" in getattr(
            text, "__qualname__", ""
        ):
            window.height = None
            window.wrap_lines = to_filter(True)
    return question
