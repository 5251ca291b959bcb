"""Which machine a server address is on: the GPU hand-off is per machine (Ollama lets go of
its model only for a ComfyUI on the same PC), and plain http to another machine deserves a
warning. Resolving a name may block: call these from a worker or the CLI."""

from __future__ import annotations

import functools
import ipaddress
import socket
from urllib.parse import urlsplit


def host_of(url: str) -> str:
    return (urlsplit(url if "://" in url else "http://" + url).hostname or "").lower()


@functools.lru_cache(maxsize=64)
def _addresses(host: str) -> frozenset[str]:
    try:
        return frozenset(str(info[4][0]) for info in socket.getaddrinfo(host, None))
    except (OSError, UnicodeError):
        return frozenset()


@functools.lru_cache(maxsize=64)
def _is_own_address(address: str) -> bool:
    """Loopback, or an address of one of this machine's interfaces (binding to it succeeds
    only here: a LAN address of this same PC counts as this PC)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if ip.is_loopback or ip.is_unspecified:
        return True
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.bind((address, 0))
        return True
    except OSError:
        return False


def machine_of(url: str) -> str:
    """A key that two addresses of the same machine share: "this machine" for every address of
    this PC, else the resolved addresses (or the name when it does not resolve)."""
    host = host_of(url)
    if host in ("localhost", ""):
        return "this machine"
    addresses = _addresses(host)
    if any(_is_own_address(a) for a in addresses):
        return "this machine"
    return ",".join(sorted(addresses)) or host


def same_machine(a: str, b: str) -> bool:
    return machine_of(a) == machine_of(b)


def is_this_machine(url: str) -> bool:
    return machine_of(url) == "this machine"


def insecure_warning(url: str) -> str:
    """A plain-http address of another machine: what the user should know ("" when fine)."""
    if not url.lower().startswith("http://"):
        return ""
    host = host_of(url)
    try:
        if ipaddress.ip_address(host).is_loopback:
            return ""
    except ValueError:
        if host == "localhost":
            return ""
    return (
        f"{host} is reached over plain http: prompts, images and speech cross the network "
        "unencrypted, and anyone on it can use that ComfyUI. Use https (a reverse proxy) for a "
        "server outside your own network."
    )
