"""The session D-Bus (Linux), spoken with jeepney: typed calls and signals with their exact
D-Bus signatures. (PySide6's QtDBus cannot send an unsigned 32-bit argument from Python, so the
screen saver's UnInhibit(u) and the notification daemon's Notify(… u …) would be refused.)

Every call blocks for at most `timeout`: callers run them off the GUI thread. One connection is
kept per bus address (a test starts its own bus and sets DBUS_SESSION_BUS_ADDRESS).
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

log = logging.getLogger(__name__)

SCREENSAVER = ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver")
NOTIFICATIONS = ("org.freedesktop.Notifications", "/org/freedesktop/Notifications")
LOGIN = ("org.freedesktop.login1", "/org/freedesktop/login1", "org.freedesktop.login1.Manager")
LAUNCHER_INTERFACE = "com.canonical.Unity.LauncherEntry"
APP_URI = "application://vidgen-desktop.desktop"
TIMEOUT_S = 2.0

_lock = threading.Lock()
_routers: dict[str, Any] = {}


class BusUnavailable(Exception):
    """No session bus (no desktop session, or not Linux): there is nobody to tell."""


def address() -> str:
    return os.environ.get("DBUS_SESSION_BUS_ADDRESS", "")


def router() -> Any:
    """The session bus router for the current address (made on first use)."""
    key = address() or "SESSION"
    with _lock:
        found = _routers.get(key)
        if found is not None:
            return found
        try:
            from jeepney.io.threading import DBusRouter, open_dbus_connection
        except ImportError as exc:
            raise BusUnavailable("jeepney is not installed") from exc
        try:
            made = DBusRouter(open_dbus_connection(bus=key))
        except Exception as exc:  # no bus, refused, bad address
            raise BusUnavailable(str(exc)) from exc
        _routers[key] = made
        return made


def call(
    name: str, path: str, interface: str, member: str, signature: str = "", body: tuple = ()
) -> tuple:
    """A method call on the session bus; returns the reply's body. Raises BusUnavailable, or
    RuntimeError with the service's error."""
    from jeepney import DBusAddress, MessageType, new_method_call

    msg = new_method_call(
        DBusAddress(path, bus_name=name, interface=interface), member, signature, body
    )
    reply = router().send_and_get_reply(msg, timeout=TIMEOUT_S)
    if reply.header.message_type == MessageType.error:
        raise RuntimeError(f"{name}.{member}: {reply.body[0] if reply.body else 'error'}")
    return tuple(reply.body)


def signal(path: str, interface: str, member: str, signature: str, body: tuple) -> None:
    from jeepney import DBusAddress, new_signal

    router().send(new_signal(DBusAddress(path, interface=interface), member, signature, body))


_filters: list[Any] = []
_watched: dict[tuple[str, str, str], Any] = {}


def watch(interface: str, member: str) -> Any:
    """A queue of the matching signals (messages; read it with get_nowait), one per signal."""
    import queue

    from jeepney import MatchRule
    from jeepney.bus_messages import message_bus

    key = (address(), interface, member)
    if key in _watched:
        return _watched[key]
    rule = MatchRule(type="signal", interface=interface, member=member)
    r = router()
    r.send_and_get_reply(message_bus.AddMatch(rule), timeout=TIMEOUT_S)
    q: queue.Queue = queue.Queue()
    _filters.append(r.filter(rule, queue=q))  # the handle keeps the filter registered
    _watched[key] = q
    return q


def has_service(name: str) -> bool:
    from jeepney.bus_messages import message_bus

    try:
        reply = router().send_and_get_reply(message_bus.NameHasOwner(name), timeout=TIMEOUT_S)
    except BusUnavailable:
        return False
    return bool(reply.body and reply.body[0])


def close_all() -> None:
    with _lock:
        for made in _routers.values():
            try:
                made.close()
                made.conn.close()
            except Exception:
                pass
        _routers.clear()
        _filters.clear()
        _watched.clear()
