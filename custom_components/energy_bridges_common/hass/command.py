"""The one path every user command takes, in every integration of the bundle.

A command is anything a user asks of a device or cloud: an entity's ``async_turn_on``,
``async_select_option``, ``async_set_native_value`` or ``async_press``, and an action. Each
goes through ``async_run_command`` (or the ``bridge_command`` decorator on an entity method),
which does, in this order:

1. **Spend the command reserve.** The command (and its ``verify`` step) runs inside
   ``command_calls()``: an account budget (``client.budget.CallBudget``) counts every call
   made there as a command, which may use the reserve that polls leave for the user.
2. **Verify.** ``verify(result)``, when given, reads the device back and raises a
   ``BridgeApiError`` when it did not take the change (still on the command's reserve).
3. **Translate errors.** A ``BridgeApiError`` becomes a ``HomeAssistantError`` with the
   entry's domain as ``translation_domain``: first ``CommandTarget.translate_error`` (for
   errors that need their own placeholders), then ``CommandTarget.error_keys`` (the most
   specific class of the error wins), then the shared keys (``errors.error_translation_key``:
   ``authentication_failed``, ``budget_exhausted``, ``rate_limited``,
   ``communication_error``, each with ``{error}``). Other exceptions pass unchanged.
4. **Start re-authentication** when the error is an ``AuthenticationError`` (but for the
   classes in ``CommandTarget.no_reauth_for``: a permission the user chose not to grant).
5. **Read back.** After a success, each of ``CommandTarget.read_back``'s coordinators reads
   its data again at once (``BridgeCoordinator.async_read_back``): the fetch still counts as
   part of the command, the next poll it schedules does not. A read-back that fails is only
   logged: the command itself went through.

An integration supplies only what differs, as a ``CommandTarget``: which entry (for the
domain and re-authentication), which coordinators show the change, and its own error keys.
Typically the entry's runtime data builds it once, and entities expose it as
``command_target`` so their methods can be decorated::

    class MyEntity(BridgeEntity[MyCoordinator]):
        @property
        def command_target(self) -> CommandTarget:
            return self.coordinator.config_entry.runtime_data.command_target

        @bridge_command
        async def async_turn_on(self, **kwargs: Any) -> None:
            await self.coordinator.client.switch_on()

(A method may name ``self`` as usual; ``self, /`` works as well.)

    # in an action:
    await async_run_command(entry.runtime_data.command_target, lambda: client.switch_on())
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Concatenate, Protocol, overload

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from ..client.budget import command_calls
from ..client.errors import AuthenticationError, BridgeApiError
from .coordinator import BridgeCoordinator
from .errors import translated_error


@dataclass(frozen=True, kw_only=True, slots=True)
class CommandTarget:
    """What one integration's commands differ in; everything else is shared."""

    hass: HomeAssistant
    entry: ConfigEntry
    """Its domain translates the errors; it is the entry re-authenticated on a refused key."""
    read_back: Sequence[BridgeCoordinator[Any]] = ()
    """The coordinators that show a command's effect, read again right after it."""
    error_keys: Mapping[type[BridgeApiError], str] = field(default_factory=dict)
    """The integration's own translation key per error class (each message takes ``{error}``)."""
    translate_error: Callable[[BridgeApiError], HomeAssistantError | None] | None = None
    """For errors that need their own placeholders; return ``None`` to fall through."""
    no_reauth_for: tuple[type[AuthenticationError], ...] = ()
    """Refusals that signing in again does not fix (a scope the user chose not to grant)."""

    def error(self, err: BridgeApiError) -> HomeAssistantError:
        """Return the translated error the user sees for ``err`` (no side effects)."""
        if self.translate_error is not None and (error := self.translate_error(err)) is not None:
            return error
        for cls in type(err).__mro__:
            if (key := self.error_keys.get(cls)) is not None:
                return translated_error(self.entry.domain, err, key)
        return translated_error(self.entry.domain, err)


async def async_run_command[T](
    target: CommandTarget,
    command: Callable[[], Awaitable[T]],
    *,
    verify: Callable[[T], Awaitable[None]] | None = None,
    read_back: bool = True,
) -> T:
    """Run a user's command on the reserve; translate its errors; read the change back.

    ``read_back=False`` skips step 5, for a read the user asked for (an action that returns
    data) or a command whose reply already is the read-back.
    """
    with command_calls():
        try:
            result = await command()
            if verify is not None:
                await verify(result)
        except BridgeApiError as err:
            if isinstance(err, AuthenticationError) and not isinstance(err, target.no_reauth_for):
                target.entry.async_start_reauth(target.hass)
            raise target.error(err) from err
    if read_back:
        for coordinator in target.read_back:
            await coordinator.async_read_back()
    return result


class HasCommandTarget(Protocol):
    """An entity whose commands go through ``bridge_command``."""

    @property
    def command_target(self) -> CommandTarget:
        """Return where its commands go."""


class _KwargsMethod[EntityT: HasCommandTarget, R](Protocol):
    """An entity method that takes only keyword arguments, its ``self`` named as usual.

    ``Concatenate`` wants the entity positional-only, which ``self`` (a name a caller could
    pass by keyword) is not: this form lets ``async_turn_on(self, **kwargs)`` type-check.
    """

    def __call__(_method, self: EntityT, **kwargs: Any) -> Awaitable[R]:  # noqa: N805
        """Run the method."""


@overload
def bridge_command[EntityT: HasCommandTarget, R](
    func: _KwargsMethod[EntityT, R],
) -> Callable[Concatenate[EntityT, ...], Coroutine[Any, Any, R]]: ...


@overload
def bridge_command[EntityT: HasCommandTarget, **P, R](
    func: Callable[Concatenate[EntityT, P], Awaitable[R]],
) -> Callable[Concatenate[EntityT, P], Coroutine[Any, Any, R]]: ...


def bridge_command(
    func: Callable[..., Awaitable[Any]],
) -> Callable[..., Coroutine[Any, Any, Any]]:
    """Run an entity method as a command (``async_run_command`` on its ``command_target``)."""

    @wraps(func)
    async def wrapper(entity: HasCommandTarget, /, *args: Any, **kwargs: Any) -> Any:
        return await async_run_command(entity.command_target, lambda: func(entity, *args, **kwargs))

    return wrapper
