"""The one outbound address policy: where StoreOKR may send a request on somebody else's say-so.

A WooCommerce store URL is whatever a visitor typed into `/auth/woocommerce/connect`, and the
store's answers used to come back on pages: without a policy the service would call, and
report on, its own loopback, the cloud's metadata address or the LAN behind it. So every store
request is checked here: the host is resolved, every address it resolves to must be public
(not loopback, private, link-local, multicast or reserved, in IPv4, IPv6, IPv4-mapped and the
numeric spellings `2130706433` or `0x7f000001`), and the connection is made to the address that
was checked, never to a second lookup of the name (which could answer differently: DNS
rebinding). `STOREOKR_ALLOW_PRIVATE_STORE_ADDRESSES` lets the demo, the tests and a
self-hoster's LAN store through.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpcore
import httpx

from app.errors import BadRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# (host, port) -> the addresses the name stands for; the system's resolver in production.
Resolver = Callable[[str, int], Awaitable[list[str]]]


class RefusedAddress(BadRequest):
    """A store address on a network StoreOKR does not call (or one that does not resolve)."""

    code = "refused_address"


async def system_resolve(host: str, port: int) -> list[str]:
    """The addresses the system's resolver gives for `host` (TCP only)."""
    loop = asyncio.get_running_loop()
    try:
        answers = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return [str(sockaddr[0]) for *_, sockaddr in answers]


def literal_address(host: str) -> IPAddress | None:
    """The address a host names by itself: dotted, IPv6 (bracketed or not), or one of the
    numeric IPv4 spellings the C resolver accepts (`2130706433`, `0x7f000001`, `127.1`)."""
    bare = host.strip("[]")
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(bare))
    except (OSError, UnicodeError, ValueError):
        return None


def is_public(address: IPAddress) -> bool:
    """True for an address on the public internet. An IPv6 address that carries an IPv4 one
    (mapped, 6to4, Teredo) is judged by the IPv4 address it leads to."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo is not None:
            embedded = address.teredo[1]
        if embedded is not None:
            return is_public(embedded)
    return address.is_global and not address.is_multicast


@dataclass(frozen=True)
class AddressPolicy:
    allow_private: bool = False
    resolve: Resolver = field(default=system_resolve)

    async def checked_address(self, host: str) -> str:
        """The address to connect to for `host`: every address it resolves to must be public
        (one private answer among public ones is refused: the name cannot be trusted)."""
        literal = literal_address(host)
        if literal is not None:
            addresses: Iterable[IPAddress] = [literal]
        else:
            addresses = _parsed(await self.resolve(host, 0))
            if not addresses:
                raise RefusedAddress(f"the address {host} could not be found: check its spelling")
        addresses = list(addresses)
        if not self.allow_private and not all(is_public(address) for address in addresses):
            raise RefusedAddress(
                f"{host} is not on the public internet: StoreOKR only connects to stores it "
                "can reach there"
            )
        return str(addresses[0])

    async def check_url(self, url: str) -> None:
        """Refuse a store URL whose host is not a public address (400); resolves it once."""
        host = urlsplit(url).hostname
        if not host:
            raise RefusedAddress("the store address has no host name")
        if not self.allow_private:
            await self.checked_address(host)


def _parsed(answers: list[str]) -> list[IPAddress]:
    # getaddrinfo gives IPv6 scope ids as "fe80::1%eth0": the zone is not part of the address.
    return [ipaddress.ip_address(answer.split("%", 1)[0]) for answer in answers]


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network under the policy: a TCP connection goes to the checked address (the
    TLS handshake still names, and verifies, the host), and never to a Unix socket."""

    def __init__(self, policy: AddressPolicy, inner: httpcore.AsyncNetworkBackend) -> None:
        self._policy, self._inner = policy, inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        # With private addresses allowed there is nothing to check: the name goes to the
        # network as it is (so that `localhost` still tries both of its addresses).
        if not self._policy.allow_private:
            host = await self._policy.checked_address(host)
        return await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise RefusedAddress("StoreOKR does not call stores over local sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, with its connection pool on the guarded network. httpx takes no
    network backend of its own, so the pool it built is replaced by one that has it."""

    def __init__(self, policy: AddressPolicy) -> None:
        super().__init__()
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            network_backend=GuardedNetworkBackend(policy, httpcore.AnyIOBackend()),
        )
