"""The sandbox's control actions by name: one name per action in Python and over HTTP, arguments checked."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class ControlArgumentError(TypeError, ValueError):
    """A control action was called with an argument it does not take, or without one it needs."""


@dataclass(frozen=True)
class Action:
    """
    One control action.

    :param name: its canonical name: the name of the Python control method, and of the HTTP
        action ``POST /_sandbox/<name>``.
    :param function: what it runs.
    :param locked: whether it runs under the sandbox's lock (a service's state changes).
    :param options: the optional arguments a ``function`` taking ``**options`` accepts.
    """

    name: str
    function: Callable[..., Any]
    locked: bool = False
    options: tuple[str, ...] = ()

    def arguments(self) -> tuple[list[str], list[str]]:
        """The names of its required and of its optional arguments."""
        required, optional = [], []
        for parameter in inspect.signature(self.function).parameters.values():
            if parameter.kind in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
                continue
            (required if parameter.default is parameter.empty else optional).append(parameter.name)
        return required, optional + list(self.options)

    def accepted(self) -> str:
        """The accepted arguments in words: ``release_id`` or ``service (required), method, path``."""
        required, optional = self.arguments()
        names = [f"{name} (required)" for name in required] + optional
        return ", ".join(names) if names else "no arguments"

    def call(self, arguments: dict[str, Any]) -> Any:
        """
        Run the action with ``arguments``.

        :raises ControlArgumentError: an argument it does not take or a required one missing,
            naming the arguments it accepts.
        """
        required, optional = self.arguments()
        unknown = sorted(set(arguments) - set(required) - set(optional))
        if unknown:
            raise ControlArgumentError(
                f"control action {self.name!r} takes no argument {', '.join(map(repr, unknown))}: "
                f"its arguments are {self.accepted()}"
            )
        missing = [name for name in required if name not in arguments]
        if missing:
            raise ControlArgumentError(
                f"control action {self.name!r} needs {', '.join(map(repr, missing))}: "
                f"its arguments are {self.accepted()}"
            )
        return self.function(**arguments)


class ActionTable:
    """The control actions by name."""

    def __init__(self, actions: list[Action]) -> None:
        self.actions = {action.name: action for action in actions}

    def find(self, name: str) -> Action:
        """
        The action called ``name``.

        :raises ValueError: no action has that name; the message lists the names.
        """
        action = self.actions.get(name)
        if action is None:
            raise ValueError(f"control action {name!r} is unknown: expected one of {sorted(self.actions)}")
        return action

    def describe(self) -> list[dict[str, Any]]:
        """Each action's name, required and optional arguments and summary, by name."""
        described = []
        for name in sorted(self.actions):
            action = self.actions[name]
            required, optional = action.arguments()
            summary = (inspect.getdoc(action.function) or "").split("\n\n")[0].replace("\n", " ")
            described.append(
                {
                    "action": name,
                    "required": required,
                    "optional": optional,
                    "does": summary,
                }
            )
        return described
