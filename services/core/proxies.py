"""The reverse proxies whose ``X-Forwarded-For`` is believed (``SANFANG_TRUSTED_PROXIES``).

A client may write any ``X-Forwarded-For`` it likes; only a proxy we run appends the address
it really saw. So the header is read only when the direct peer is a trusted proxy, from the
right, skipping trusted proxies, and the first address that is not one is the client.

>>> proxies = TrustedProxies.parse("10.0.0.0/8, 192.168.1.7")
>>> proxies.client("10.0.0.2", "203.0.113.9, 198.51.100.4, 10.0.0.3")
'198.51.100.4'
>>> proxies.client("203.0.113.9", "1.2.3.4")  # not a proxy of ours: its header is ignored
'203.0.113.9'
>>> TrustedProxies.parse("").client("127.0.0.1", "1.2.3.4")
'127.0.0.1'
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from services.core.errors import ConfigError

__all__ = ["TrustedProxies"]

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class TrustedProxies:
    """Addresses and networks of the proxies in front of Sanfang; none by default."""

    networks: tuple[_Network, ...] = ()

    @classmethod
    def parse(cls, text: str) -> TrustedProxies:
        """``"10.0.0.0/8, 192.168.1.7, ::1"``; raises :class:`ConfigError` naming a bad entry."""
        networks: list[_Network] = []
        for entry in (part.strip() for part in text.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError as exc:
                raise ConfigError(
                    f"SANFANG_TRUSTED_PROXIES: {entry!r} is not an IP address or network "
                    "(write addresses or networks separated by commas, e.g. 10.0.0.0/8,192.168.1.7)"
                ) from exc
        return cls(tuple(networks))

    def trusts(self, address: str) -> bool:
        """Whether ``address`` is one of the trusted proxies."""
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def client(self, peer: str, forwarded_for: str | None) -> str:
        """The client's address: ``peer`` itself unless ``peer`` is a trusted proxy, then the
        right-most address of ``forwarded_for`` that is not one (a malformed entry stops the
        walk at the last proxy that wrote it)."""
        if not forwarded_for or not self.trusts(peer):
            return peer
        address = peer
        for hop in reversed([part.strip() for part in forwarded_for.split(",")]):
            try:
                ipaddress.ip_address(hop)
            except ValueError:
                return address
            address = hop
            if not self.trusts(hop):
                return hop
        return address
