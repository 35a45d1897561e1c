"""The SMS/voice gateway's callbacks to Sanfang, as JSON bodies (the sandbox sends these too).

The gateway posts each to the ``callback`` URL it was given with the message:
``/api/v1/gateway/sms`` or ``/api/v1/gateway/voice``, with ``Authorization: Bearer
<SANFANG_GATEWAY_TOKEN>``.

>>> GatewayCallback.model_validate({"type": "reply", "from": "10012345678", "text": "1"}).sender
'10012345678'
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from schemas.envelope import Model

__all__ = ["GatewayCallback"]


class GatewayCallback(Model):
    """A delivery receipt (``ref``, ``status``), an SMS reply (``from``, ``text``) or a keypress."""

    type: Literal["receipt", "reply", "keypress"]
    ref: str | None = Field(default=None, max_length=64)
    status: Literal["delivered", "failed", "answered", "no_answer"] | None = None
    detail: str = Field(default="", max_length=500)
    sender: str | None = Field(default=None, alias="from", max_length=32)
    text: str = Field(default="", max_length=500)
    digits: str = Field(default="", max_length=16)
