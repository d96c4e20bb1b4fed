"""A wait's identity, its read and its judge, in one declaration that the sensor and the trigger share."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Hashable
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from airflow_provider_releases.hooks.base import ReleasesBaseHook
from airflow_provider_releases.waits.outcome import Outcome, acheck_read, check_read

if TYPE_CHECKING:
    from typing_extensions import Self

HookT = TypeVar("HookT", bound=ReleasesBaseHook)


class ReleaseWait(Generic[HookT]):
    """
    Base of the waits: what a sensor and its trigger wait for, how to read it, how to judge it.

    A frozen dataclass whose fields are the sensor's parameters of the same names and the
    trigger's serialised kwargs; :meth:`judge` is pure, so poke and trigger reach the same
    :class:`~airflow_provider_releases.waits.outcome.Outcome`. A check never raises for an API
    failure (:func:`~airflow_provider_releases.waits.outcome.read_failure`).
    """

    #: The hook that reads the vendor; its ``conn_name_attr`` names the connection id field.
    hook_class: ClassVar[type[ReleasesBaseHook]]
    #: What a 404 means for this wait, said to a release manager.
    not_found: ClassVar[str]

    @property
    def subject(self) -> str:
        """What is read, as messages name it, such as ``"Aha! release 'PRJ1-R-1'"``."""
        raise NotImplementedError

    @property
    def waiting_for(self) -> str:
        """What the wait waits for, as a timeout's message says it."""
        raise NotImplementedError

    @property
    def read_key(self) -> tuple[Hashable, ...]:
        """What :meth:`aread` reads; triggers reading the same key through one connection share it."""
        raise NotImplementedError

    def read(self, hook: HookT) -> Any:
        """Read the vendor's answer once, blocking."""
        raise NotImplementedError

    async def aread(self, hook: HookT) -> Any:
        """Read the vendor's answer once on the event loop."""
        raise NotImplementedError

    def judge(self, hook: ReleasesBaseHook, answer: Any) -> Outcome:
        """Return the outcome ``answer`` (the vendor's body) shows; ``hook`` only redacts."""
        raise NotImplementedError

    def check(self, hook: HookT) -> Outcome:
        """Read once through ``hook`` (blocking) and judge the answer."""
        return check_read(hook, self, lambda: self.read(hook))

    async def acheck(self, hook: HookT, read: Callable[[], Awaitable[Any]] | None = None) -> Outcome:
        """
        Read once through ``hook`` on the event loop and judge the answer.

        :param read: a shared read to use instead of :meth:`aread`; it must answer what :meth:`aread` would.
        """
        return await acheck_read(hook, self, read or (lambda: self.aread(hook)))

    @property
    def conn_id(self) -> str:
        """The id of the connection the wait reads through."""
        return getattr(self, self.hook_class.conn_name_attr)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The names of the wait's fields, in order."""
        return tuple(item.name for item in dataclasses.fields(cls))

    def fields(self) -> dict[str, Any]:
        """The wait's fields by name, JSON primitives: what its trigger serialises."""
        return {name: getattr(self, name) for name in self.field_names()}

    @classmethod
    def of(cls, source: object) -> Self:
        """Build the wait from ``source``'s attributes of the same names (a sensor, after rendering)."""
        return cls(**{name: getattr(source, name) for name in cls.field_names()})
