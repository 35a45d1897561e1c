"""Dispatch's exceptions, drawn in one place.

    SanfangError
    └── DispatchError
        ├── UnknownNotice        no notice has that id (404 at the edge)
        ├── AckRefused           not this person's notice, or no reason for an on-behalf ack (403/422)
        └── ChannelError (TransientError)   a channel cannot be used or asked right now
            ├── PushError        the MQTT broker refused or is away
            └── GatewayUnsure    the gateway could not say whether it has a message

Third-party errors (aiomqtt, httpx) are translated where they are caught.
"""

from __future__ import annotations

from services.core.errors import SanfangError, TransientError

__all__ = ["AckRefused", "ChannelError", "DispatchError", "GatewayUnsure", "PushError", "UnknownNotice"]


class DispatchError(SanfangError):
    """Root of dispatch's errors."""


class UnknownNotice(DispatchError, LookupError):
    """No notice has that id."""


class AckRefused(DispatchError):
    """The acknowledgement is not allowed (another person's notice, or no reason given)."""


class ChannelError(DispatchError, TransientError):
    """A channel cannot be used or asked right now; the work is tried again later."""


class PushError(ChannelError):
    """The MQTT broker could not be reached or refused a publish."""


class GatewayUnsure(ChannelError):
    """The gateway could not say whether it has a message, so nothing is resent yet."""
