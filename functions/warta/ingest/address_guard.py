"""The address guard: which addresses a fetch may connect to.

The guard is applied to the addresses a host name resolves to, right before
connecting (see ingest/http.py), so that a feed URL, a redirect or a DNS answer
cannot point a fetch at the machine itself, the private network or the cloud
metadata service.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# 64:ff9b::/96 carries an IPv4 address through NAT64; the embedded address is
# what is really reached, so it is the one to check.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def is_public_address(ip: Address) -> bool:
    """True for an address on the public internet; False for anything internal.

    Refuses loopback, private, link-local (cloud metadata lives there), CGNAT,
    unique-local, site-local, multicast, reserved and unspecified addresses,
    including IPv4 ones wrapped in IPv6 (mapped, NAT64, 6to4).
    """
    if isinstance(ip, ipaddress.IPv6Address):
        embedded: ipaddress.IPv4Address | None = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(embedded)
        if ip.is_site_local:
            return False
    return ip.is_global and not ip.is_multicast


def address_allowed(address: str, allowed: Iterable[str]) -> bool:
    """May a fetch connect to `address`? Public addresses, or those listed in `allowed`.

    `address` is as the resolver gives it (an IPv6 one may carry a %zone);
    text that is not an address is refused.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if any(_same_address(ip, text) for text in allowed):
        return True
    return is_public_address(ip)


def _same_address(ip: Address, text: str) -> bool:
    """`ip` is the address `text`, or inside the network `text` (10.1.0.0/16)."""
    try:
        if "/" in text:
            return ip in ipaddress.ip_network(text, strict=False)
        return ip == ipaddress.ip_address(text)
    except ValueError:
        return False
