"""Keep the computer awake while a job runs, and only then: hour three of a render must not
meet a suspend. Each platform's own mechanism:

- Linux: the session's screen saver (`org.freedesktop.ScreenSaver.Inhibit`, which desktops
  also honour for idle suspend) and, where there is a system bus, a logind "sleep:idle"
  inhibitor (held as a file descriptor, released by closing it);
- Windows: `SetThreadExecutionState(ES_CONTINUOUS | ES_SYSTEM_REQUIRED)`;
- macOS: an IOKit power assertion (`PreventUserIdleSystemSleep`).

`hold()` and `release()` block for at most a couple of seconds (a D-Bus call): call them off
the GUI thread (ui.job_comfort does). A process that dies loses its hold with its bus
connection, so nothing stays inhibited after a crash.
"""

from __future__ import annotations

import ctypes
import logging
import sys
import threading
from typing import Any

log = logging.getLogger(__name__)

APP = "VidGen Desktop"


class KeepAwake:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.held = False
        #: what holds it now (for the log and the tests): "screensaver", "logind", "windows"…
        self.how: list[str] = []
        self._cookie: int | None = None
        self._logind_fd: Any = None
        self._mac_id: Any = None

    def hold(self, reason: str) -> list[str]:
        with self._lock:
            if self.held:
                return self.how
            self.held = True
            if sys.platform.startswith("linux"):
                self._hold_linux(reason)
            elif sys.platform == "win32":
                self._hold_windows()
            elif sys.platform == "darwin":
                self._hold_mac(reason)
            log.info("keeping the computer awake (%s): %s", ", ".join(self.how) or "no way", reason)
            return list(self.how)

    def release(self) -> None:
        with self._lock:
            if not self.held:
                return
            self.held = False
            if sys.platform.startswith("linux"):
                self._release_linux()
            elif sys.platform == "win32":
                self._release_windows()
            elif sys.platform == "darwin":
                self._release_mac()
            log.info("the computer may sleep again")
            self.how = []

    # ---- Linux ---------------------------------------------------------------------------------
    def _hold_linux(self, reason: str) -> None:
        from vidgen_desktop.ui.desktop import bus

        try:
            (cookie,) = bus.call(
                *bus.SCREENSAVER, bus.SCREENSAVER[0], "Inhibit", "ss", (APP, reason)
            )
            self._cookie = int(cookie)
            self.how.append("screensaver")
        except (bus.BusUnavailable, RuntimeError, TimeoutError) as exc:
            log.info("screen saver inhibit unavailable: %s", exc)
        try:
            from jeepney import DBusAddress, new_method_call
            from jeepney.io.blocking import open_dbus_connection

            name, path, interface = bus.LOGIN
            with open_dbus_connection(bus="SYSTEM", enable_fds=True) as conn:
                msg = new_method_call(
                    DBusAddress(path, bus_name=name, interface=interface),
                    "Inhibit",
                    "ssss",
                    ("sleep:idle", APP, reason, "block"),
                )
                reply = conn.send_and_get_reply(msg, timeout=bus.TIMEOUT_S)
            fd = reply.body[0] if reply.body else None
            if fd is not None and hasattr(fd, "to_raw_fd"):
                self._logind_fd = fd
                self.how.append("logind")
        except Exception as exc:  # no system bus (containers, some sessions): screensaver only
            log.info("logind inhibitor unavailable: %s", exc)

    def _release_linux(self) -> None:
        from vidgen_desktop.ui.desktop import bus

        if self._cookie is not None:
            try:
                bus.call(*bus.SCREENSAVER, bus.SCREENSAVER[0], "UnInhibit", "u", (self._cookie,))
            except (bus.BusUnavailable, RuntimeError, TimeoutError) as exc:
                log.info("screen saver uninhibit failed: %s", exc)
            self._cookie = None
        if self._logind_fd is not None:
            try:
                self._logind_fd.close()
            except Exception as exc:
                log.info("closing the logind inhibitor failed: %s", exc)
            self._logind_fd = None

    # ---- Windows -------------------------------------------------------------------------------
    ES_CONTINUOUS, ES_SYSTEM_REQUIRED = 0x80000000, 0x00000001

    def _hold_windows(self) -> None:
        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        if kernel32.SetThreadExecutionState(self.ES_CONTINUOUS | self.ES_SYSTEM_REQUIRED):
            self.how.append("windows")

    def _release_windows(self) -> None:
        ctypes.windll.kernel32.SetThreadExecutionState(self.ES_CONTINUOUS)  # type: ignore[attr-defined]

    # ---- macOS ---------------------------------------------------------------------------------
    def _hold_mac(self, reason: str) -> None:
        try:
            iokit = ctypes.cdll.LoadLibrary("/System/Library/Frameworks/IOKit.framework/IOKit")
            cf = ctypes.cdll.LoadLibrary(
                "/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation"
            )
            cf.CFStringCreateWithCString.restype = ctypes.c_void_p
            cf.CFStringCreateWithCString.argtypes = [
                ctypes.c_void_p,
                ctypes.c_char_p,
                ctypes.c_uint32,
            ]
            utf8 = 0x08000100
            kind = cf.CFStringCreateWithCString(None, b"PreventUserIdleSystemSleep", utf8)
            name = cf.CFStringCreateWithCString(None, reason.encode(), utf8)
            assertion = ctypes.c_uint32(0)
            iokit.IOPMAssertionCreateWithName.argtypes = [
                ctypes.c_void_p,
                ctypes.c_uint32,
                ctypes.c_void_p,
                ctypes.POINTER(ctypes.c_uint32),
            ]
            if iokit.IOPMAssertionCreateWithName(kind, 255, name, ctypes.byref(assertion)) == 0:
                self._mac_id = (iokit, assertion)
                self.how.append("iokit")
        except OSError as exc:
            log.info("IOKit power assertion unavailable: %s", exc)

    def _release_mac(self) -> None:
        if self._mac_id is not None:
            iokit, assertion = self._mac_id
            iokit.IOPMAssertionRelease(assertion)
            self._mac_id = None
