"""A small stand-in for the desktop's D-Bus services, on a session bus a test started: the
screen saver (Inhibit / UnInhibit), the notification daemon (Notify, and ActionInvoked when the
test says the user clicked), and a listener for launcher progress signals. It runs in its own
process (so the app's Qt event loop and this loop never wait on each other) and prints one JSON
line per thing it saw; a line on stdin `click ID` makes the daemon report a click on that
notification.

    python -m tests.desktop.bus_listener BUS_ADDRESS
"""

from __future__ import annotations

import json
import select
import sys

from jeepney import (
    HeaderFields,
    MatchRule,
    MessageType,
    message_bus,
    new_error,
    new_method_return,
    new_signal,
)
from jeepney.bus_messages import DBus
from jeepney.io.blocking import open_dbus_connection

SCREENSAVER = "org.freedesktop.ScreenSaver"
NOTIFICATIONS = "org.freedesktop.Notifications"
INTROSPECT = {
    "/org/freedesktop/ScreenSaver": """<node><interface name="org.freedesktop.ScreenSaver">
<method name="Inhibit"><arg type="s" direction="in"/><arg type="s" direction="in"/>
<arg type="u" direction="out"/></method>
<method name="UnInhibit"><arg type="u" direction="in"/></method></interface></node>""",
    "/org/freedesktop/Notifications": """<node><interface name="org.freedesktop.Notifications">
<method name="Notify"><arg type="s" direction="in"/><arg type="u" direction="in"/>
<arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="s" direction="in"/>
<arg type="as" direction="in"/><arg type="a{sv}" direction="in"/><arg type="i" direction="in"/>
<arg type="u" direction="out"/></method>
<signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal></interface></node>""",
}


def say(**event) -> None:
    print(json.dumps(event, default=str), flush=True)


def main() -> int:
    conn = open_dbus_connection(bus=sys.argv[1])
    for name in (SCREENSAVER, NOTIFICATIONS):
        conn.send_and_get_reply(message_bus.RequestName(name))
    dbus = DBus()
    for rule in (
        MatchRule(type="signal", interface="com.canonical.Unity.LauncherEntry"),
        MatchRule(type="signal", interface="org.freedesktop.DBus", member="NameOwnerChanged"),
    ):
        conn.send_and_get_reply(dbus.AddMatch(rule))
    inhibitors: dict[int, str] = {}
    next_id = [1]
    say(event="ready")
    while True:
        # a message may already wait in the connection's buffer (two can arrive in one socket
        # read, and select() would not see the second): ask the connection before waiting
        try:
            msg = conn.receive(timeout=0.001)
        except (TimeoutError, BlockingIOError):
            msg = None
        if msg is None:
            ready, _, _ = select.select([sys.stdin, conn.sock], [], [], 0.5)
            if sys.stdin in ready:
                line = sys.stdin.readline()
                if not line:
                    return 0
                parts = line.split()
                if parts and parts[0] == "click":
                    conn.send(
                        new_signal(
                            _addr("/org/freedesktop/Notifications", NOTIFICATIONS),
                            "ActionInvoked",
                            "us",
                            (int(parts[1]), parts[2] if len(parts) > 2 else "default"),
                        )
                    )
            continue
        fields = msg.header.fields
        member = fields.get(HeaderFields.member)
        sender = fields.get(HeaderFields.sender)
        if msg.header.message_type == MessageType.signal:
            if member == "NameOwnerChanged":
                name, _old, new = msg.body
                if not new and name in inhibitors.values():
                    gone = [c for c, who in inhibitors.items() if who == name]
                    for cookie in gone:
                        inhibitors.pop(cookie)
                    say(event="disconnected", sender=name, released=gone)
            else:
                say(
                    event="signal",
                    member=member,
                    signature=fields.get(HeaderFields.signature),
                    body=msg.body,
                )
            continue
        if msg.header.message_type != MessageType.method_call:
            continue
        signature = fields.get(HeaderFields.signature, "")
        if member == "Introspect":
            xml = INTROSPECT.get(fields.get(HeaderFields.path), "<node/>")
            conn.send(new_method_return(msg, "s", (xml,)))
        elif member == "Inhibit":
            cookie = next_id[0]
            next_id[0] += 1
            inhibitors[cookie] = sender
            say(event="inhibit", signature=signature, body=msg.body, cookie=cookie)
            conn.send(new_method_return(msg, "u", (cookie,)))
        elif member == "UnInhibit":
            if signature != "u":
                say(event="refused", member=member, signature=signature)
                conn.send(
                    new_error(
                        msg,
                        "org.freedesktop.DBus.Error.InvalidArgs",
                        "s",
                        (f"Type of message, ({signature}), does not match (u)",),
                    )
                )
                continue
            inhibitors.pop(msg.body[0], None)
            say(event="uninhibit", cookie=msg.body[0])
            conn.send(new_method_return(msg))
        elif member == "Notify":
            nid = next_id[0]
            next_id[0] += 1
            app, _replaces, _icon, summary, body, actions, _hints, _timeout = msg.body
            say(
                event="notify",
                signature=signature,
                id=nid,
                app=app,
                summary=summary,
                body=body,
                actions=actions,
            )
            conn.send(new_method_return(msg, "u", (nid,)))
        elif member in ("GetCapabilities", "GetServerInformation"):
            reply = (
                (["actions", "body"],)
                if member == "GetCapabilities"
                else ("listener", "tests", "1", "1.2")
            )
            conn.send(
                new_method_return(msg, "as" if member == "GetCapabilities" else "ssss", reply)
            )
        else:
            conn.send(new_method_return(msg))


def _addr(path: str, interface: str):
    from jeepney import DBusAddress

    return DBusAddress(path, interface=interface)


if __name__ == "__main__":
    sys.exit(main())
