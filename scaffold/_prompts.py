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
            return str(error).replace(" in the prompt", "")
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
    answer = prompt.unsafe_ask()
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
            return str(error)
        return True

    answer = questionary.text(message, default=default, validate=check).unsafe_ask()
    if answer is None:
        raise KeyboardInterrupt
    return str(answer).strip()


def ask_sender() -> str:
    """Ask which app publishes the event (``vendor.app-name``)."""
    from scaffold._names import validate_sender

    return ask_text("Sender app (vendor.app-name, e.g. vtex.orders-broadcast):", validate_sender)


def ask_topic() -> str:
    """Ask for the topic of the event."""
    from scaffold._names import validate_topic

    return ask_text("Topic (e.g. order-status-updated):", validate_topic)
