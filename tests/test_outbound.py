"""The outbound address policy: store requests reach public addresses only, in every spelling
of an address, and connect to the address that was checked (no second look-up)."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import AsyncIterator, Iterable

import httpcore
import httpx
import pytest

from app.outbound import (
    AddressPolicy,
    GuardedNetworkBackend,
    GuardedTransport,
    RefusedAddress,
    is_public,
    literal_address,
)

# Every way the attacker wrote an internal address.
INTERNAL_HOSTS = ["127.0.0.1", "2130706433", "0x7f000001", "127.1", "[::1]", "169.254.169.254"]
PUBLIC = "93.184.215.14"


class Resolver:
    """A name service that knows a few names and counts the questions."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers, self.asked = answers, list[str]()

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        return self.answers.get(host, [])


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("[::1]", "::1"),
        ("::ffff:127.0.0.1", "::ffff:7f00:1"),
        ("store.example", None),
    ],
)
def test_every_spelling_of_an_address_is_read_as_one(host: str, expected: str | None) -> None:
    found = literal_address(host)
    assert (str(found) if found else None) == expected


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",  # 6to4 wrapping 127.0.0.1
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo wrapping 127.0.0.1
        "192.0.2.1",
        "2001:db8::1",
    ],
)
def test_non_public_addresses_are_not_public(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", [PUBLIC, "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_public(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("host", INTERNAL_HOSTS)
async def test_internal_addresses_are_refused_without_a_look_up(host: str) -> None:
    names = Resolver({})
    with pytest.raises(RefusedAddress) as refused:
        await AddressPolicy(resolve=names).check_url(f"http://{host}:8080/shop")
    assert refused.value.status_code == 400
    assert names.asked == []


async def test_a_name_that_resolves_inside_is_refused() -> None:
    names = Resolver({"rebind.example": [PUBLIC, "127.0.0.1"], "store.example": [PUBLIC]})
    policy = AddressPolicy(resolve=names)

    with pytest.raises(RefusedAddress, match="not on the public internet"):
        await policy.check_url("https://rebind.example")
    assert await policy.checked_address("store.example") == PUBLIC


async def test_a_name_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(RefusedAddress, match="could not be found"):
        await AddressPolicy(resolve=Resolver({})).check_url("https://nowhere.example")


async def test_private_addresses_pass_when_allowed() -> None:
    names = Resolver({})
    await AddressPolicy(allow_private=True, resolve=names).check_url("http://127.0.0.1:9/")
    assert names.asked == []


class RecordingNetwork(httpcore.AsyncNetworkBackend):
    """The network below the guard: notes where it was asked to connect, then fails."""

    def __init__(self) -> None:
        self.connected_to: list[str] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connected_to.append(host)
        raise httpcore.ConnectError("no network in this test")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def test_the_connection_goes_to_the_address_that_was_checked() -> None:
    # A name server that answers differently the second time (DNS rebinding) gets one question.
    answers = iter([[PUBLIC], ["127.0.0.1"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    network = RecordingNetwork()
    guarded = GuardedNetworkBackend(AddressPolicy(resolve=rebinding), network)

    with pytest.raises(httpcore.ConnectError):
        await guarded.connect_tcp("store.example", 443)
    assert network.connected_to == [PUBLIC]


async def test_unix_sockets_are_refused() -> None:
    guarded = GuardedNetworkBackend(AddressPolicy(), RecordingNetwork())
    with pytest.raises(RefusedAddress):
        await guarded.connect_unix_socket("/var/run/docker.sock")


@pytest.fixture
async def loopback_server() -> AsyncIterator[tuple[int, list[str]]]:
    """A real HTTP server on 127.0.0.1 that counts who connects."""
    connections: list[str] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(str(writer.get_extra_info("peername")[0]))
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield port, connections


@pytest.mark.parametrize("host", ["127.0.0.1", "2130706433", "0x7f000001", "127.1"])
async def test_the_guarded_client_sends_nothing_to_loopback(
    loopback_server: tuple[int, list[str]], host: str
) -> None:
    port, connections = loopback_server
    async with httpx.AsyncClient(transport=GuardedTransport(AddressPolicy())) as http:
        with pytest.raises(RefusedAddress):
            await http.get(f"http://{host}:{port}/wp-json/")
    assert connections == []


async def test_the_guarded_client_reaches_loopback_when_allowed(
    loopback_server: tuple[int, list[str]],
) -> None:
    port, connections = loopback_server
    policy = AddressPolicy(allow_private=True)
    async with httpx.AsyncClient(transport=GuardedTransport(policy)) as http:
        answer = await http.get(f"http://127.0.0.1:{port}/wp-json/")
    assert answer.text == "ok"
    assert connections == ["127.0.0.1"]
