"""What the feed fetcher may reach and within what limits: the SSRF guard's address rules.

:mod:`feeds.fetcher` applies the policy to every connection it makes; subscriptions apply
:meth:`FetchPolicy.check_url` to a URL before it is stored.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from feeds.errors import BlockedAddress, FetchError
from feeds.urls import host_encodable

# Who is calling and for what, so that a site's or receiver's operator can tell the two apart.
AGENT = "ValuePlanner/0.1 (+https://github.com/value-planner; {})"
USER_AGENT = AGENT.format("feed fetcher")
MAX_BYTES = 15 * 1024 * 1024
CONNECT_TIMEOUT = 10.0
TOTAL_TIMEOUT = 20.0
MAX_REDIRECTS = 5
# Entries one refresh reads of a feed, newest first: every stored article costs each later
# suggestions call, so an archive feed of tens of thousands of items would slow every rep's
# page for good, while real feeds carry tens to a couple of hundred.
MAX_ENTRIES = 500
# Feeds one OPML import may list: readers' exports hold tens to a few hundred, while the 1 MiB a
# request body may have holds 22,400, which took 23 s to subscribe to on SQLite and over 4 min
# on PostgreSQL (requests are stopped at 30 s) and would each be polled hourly. Past it the file
# is refused whole, to be split.
MAX_PER_IMPORT = 2000

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[str]]


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver returns for ``host``, in its preferred order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"Could not resolve {host}: {exc}", host=host) from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def allow_hint(host: object) -> str:
    """What an admin can do about a refused private address: a rep cannot, so say who can."""
    return (
        f"An administrator can allow it: add {host} to PLANNER_FEEDS_ALLOWLIST (hosts and "
        "networks, comma-separated) or, for every private address, PLANNER_FEEDS_ALLOW_PRIVATE=1."
    )


@dataclass(frozen=True)
class FetchPolicy:
    """Limits and address rules for fetching feeds, and how many one OPML import may add.

    ``allowed_hosts`` and ``allowed_networks`` exempt named hosts or address ranges from the
    private-address refusal (an intranet feed server, say) without opening all of them as
    ``allow_private`` does.
    """

    allow_private: bool = False
    allowed_hosts: frozenset[str] = frozenset()
    allowed_networks: tuple[IPNetwork, ...] = ()
    connect_timeout: float = CONNECT_TIMEOUT
    timeout: float = TOTAL_TIMEOUT
    max_bytes: int = MAX_BYTES
    max_redirects: int = MAX_REDIRECTS
    max_entries: int = MAX_ENTRIES
    max_per_import: int = MAX_PER_IMPORT
    user_agent: str = USER_AGENT
    resolver: Resolver = field(default=system_resolver, compare=False)
    # What a refusal says was refused: fetching a feed, or delivering a webhook.
    action: str = "fetch from"

    def address_allowed(self, host: str, address: IPAddress) -> bool:
        if self.allow_private or host.lower().rstrip(".") in self.allowed_hosts:
            return True
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in network for network in self.allowed_networks):
            return True
        return address.is_global and not (
            address.is_loopback
            or address.is_private
            or address.is_link_local
            or address.is_multicast
            or address.is_reserved
            or address.is_unspecified
        )

    def check_url(self, url: str) -> None:
        """Refuse what can be refused without a network: scheme, host, literal addresses."""
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError for an invalid port
        except ValueError as exc:
            raise BlockedAddress(f"Invalid URL {url!r}: {exc}", url=url) from None
        if parts.scheme.lower() not in ("http", "https"):
            raise BlockedAddress(f"Only http and https URLs are allowed, not {url!r}", url=url)
        if not parts.hostname:
            raise BlockedAddress(f"URL {url!r} has no host", url=url)
        if not host_encodable(parts.hostname):
            raise BlockedAddress(
                f"{url!r} is not a valid URL: its host cannot be encoded for DNS (IDNA).", url=url
            )
        address = literal_address(parts.hostname)
        if address is not None and not self.address_allowed(parts.hostname, address):
            raise self.refusal(str(address), address, url=url)

    def refusal(self, host: str, address: IPAddress, **extra: object) -> BlockedAddress:
        """The refusal of a non-public address ``host`` is (or resolves to), in the words of
        what was being done, saying who can allow it."""
        if host == str(address):
            why = "not a public address"
        else:
            why = f"it resolves to non-public address {address}"
        return BlockedAddress(
            f"Refusing to {self.action} {host}: {why}. {allow_hint(host)}", host=host, **extra
        )


def literal_address(host: str) -> IPAddress | None:
    """The address a host spells out (an IPv6 zone dropped), or None for a name. IPv4 also in
    the shorthand, decimal, octal and hex forms that resolvers read as addresses (127.1,
    2130706433, 0x7f000001), so that a check without DNS sees what a connection would reach."""
    host = host.partition("%")[0]
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None
