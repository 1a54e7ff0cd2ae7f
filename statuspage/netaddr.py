"""Which network addresses count as public: the one rule for every outgoing connection Beacon
makes to an address someone typed (webhooks, monitors)."""

import ipaddress


def is_public_address(address: str) -> bool:
    """True for an address anyone on the internet can reach, and nothing inside a network:
    not private, loopback, link-local, shared (100.64.0.0/10, carrier NAT), multicast, reserved
    or unspecified, also when an IPv4 address hides inside an IPv6 one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and not is_public_address(str(embedded)):
            return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)
