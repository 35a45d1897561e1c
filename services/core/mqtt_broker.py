"""The embedded MQTT broker (amqtt), for a machine with no Mosquitto.

``sanfang up`` uses Mosquitto (or any MQTT broker) when one answers at the configured
address; when nothing answers on a loopback address it starts this one there instead,
so the product runs on one machine with no set-up.

>>> async def demo() -> None:  # doctest: +SKIP
...     async with EmbeddedMqtt(1883):
...         ...  # publish and subscribe on 127.0.0.1:1883
"""

from __future__ import annotations

import logging
import socket
from types import TracebackType
from typing import Any

from amqtt.broker import Broker

from services.core.errors import BrokerError

__all__ = ["EmbeddedMqtt", "mqtt_answers"]

log = logging.getLogger(__name__)
# amqtt logs every connection at INFO; a fan-out makes that thousands of lines.
logging.getLogger("amqtt").setLevel(logging.WARNING)
logging.getLogger("transitions").setLevel(logging.WARNING)


def mqtt_answers(host: str, port: int) -> bool:
    """Whether something accepts TCP connections at ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


class EmbeddedMqtt:
    """An amqtt broker on 127.0.0.1:``port`` that allows anonymous clients (loopback only)."""

    def __init__(self, port: int) -> None:
        self.port = port
        config: dict[str, Any] = {
            "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{port}"}},
            "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
        }
        self._broker = Broker(config)

    async def __aenter__(self) -> EmbeddedMqtt:
        try:
            await self._broker.start()
        except Exception as exc:  # amqtt raises its own BrokerError or OSError; both mean "could not start"
            raise BrokerError(
                f"the embedded MQTT broker could not start on 127.0.0.1:{self.port}: {exc}"
            ) from exc
        log.info("no MQTT broker answered: started the embedded one (amqtt) on 127.0.0.1:%d", self.port)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._broker.shutdown()
