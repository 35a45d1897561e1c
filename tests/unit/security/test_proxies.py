"""``SANFANG_TRUSTED_PROXIES``: read, refused when wrong, and the client address they yield."""

from __future__ import annotations

import pytest

from services.core.errors import ConfigError
from services.core.proxies import TrustedProxies
from services.core.settings import Settings

PROXIES = TrustedProxies.parse("10.0.0.0/8, 192.168.1.7, ::1")


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("203.0.113.9", "1.2.3.4", "203.0.113.9"),  # not a proxy: its header is whatever it wrote
        ("127.0.0.1", "1.2.3.4", "127.0.0.1"),  # loopback is trusted only when named
        ("10.0.0.2", "1.2.3.4", "1.2.3.4"),
        ("10.0.0.2", "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # the proxy appends: the right-most is what it saw
        ("10.0.0.2", "6.6.6.6, 1.2.3.4, 192.168.1.7", "1.2.3.4"),  # a chain of our proxies
        ("::1", "2001:db8::5", "2001:db8::5"),
        ("10.0.0.2", "10.0.0.3, 10.0.0.4", "10.0.0.3"),  # only proxies: the furthest one
        ("10.0.0.2", "1.2.3.4, <script>", "10.0.0.2"),  # garbage stops the walk at our proxy
        ("10.0.0.2", None, "10.0.0.2"),
        ("10.0.0.2", "", "10.0.0.2"),
    ],
)
def test_the_client_is_the_first_address_from_the_right_that_is_no_proxy_of_ours(
    peer: str, forwarded: str | None, client: str
) -> None:
    assert PROXIES.client(peer, forwarded) == client


def test_none_are_trusted_by_default() -> None:
    assert Settings().proxies == TrustedProxies()
    assert Settings().proxies.client("127.0.0.1", "1.2.3.4") == "127.0.0.1"


@pytest.mark.parametrize("value", ["10.0.0.0/33", "proxy.internal", "10.0.0.1;10.0.0.2"])
def test_a_wrong_entry_is_refused_by_name(value: str) -> None:
    with pytest.raises(ConfigError, match=r"SANFANG_TRUSTED_PROXIES: .* is not an IP address or network"):
        Settings(trusted_proxies=value)
