"""How long an email address may be: RFC 5321's limits, which no mail system goes past."""

from __future__ import annotations

# Octets (UTF-8), RFC 5321 4.5.3.1.1; and a path of 256 octets less its angle brackets
# (4.5.3.1.3, RFC 3696 erratum 1690): a longer address can be stored but never delivered to.
LOCAL_PART_MAX = 64
ADDRESS_MAX = 254


def length_problem(address: str) -> str | None:
    """Why ``address`` is too long to be an email address, or None when it is not."""
    local = address.rpartition("@")[0]
    if (octets := len(local.encode())) > LOCAL_PART_MAX:
        return (
            f"The part before the @ is at most {LOCAL_PART_MAX} bytes (RFC 5321); "
            f"this one has {octets}."
        )
    if (octets := len(address.encode())) > ADDRESS_MAX:
        return f"An email address is at most {ADDRESS_MAX} bytes (RFC 5321); this one has {octets}."
    return None
