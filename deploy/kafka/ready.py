"""Readiness of the local Kafka cluster started by ``scripts/kafka``.

Asks every node for the cluster's metadata and succeeds once each of them answers with the
same active controller and all the expected brokers registered and unfenced (only those
are in a metadata answer). Exit 0 when ready, 1 on timeout (the last answer is printed).

    .venv/bin/python deploy/kafka/ready.py --bootstrap 127.0.0.1:19091,127.0.0.1:19092 \
        --brokers 2 --timeout 60
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError


async def _view(node: str) -> tuple[int, frozenset[int]]:
    """(controller id, registered broker ids) as one node sees them."""
    admin = AIOKafkaAdminClient(bootstrap_servers=node, request_timeout_ms=5000)
    try:
        await admin.start()
        cluster = await admin.describe_cluster()
    finally:
        await admin.close()
    brokers = frozenset(int(broker["node_id"]) for broker in cluster["brokers"])
    return int(cluster["controller_id"]), brokers


async def _ready(nodes: list[str], brokers: int, seconds: float) -> tuple[bool, str]:
    deadline = time.monotonic() + seconds
    last = "no answer yet"
    while time.monotonic() < deadline:
        try:
            views = [await asyncio.wait_for(_view(node), 10) for node in nodes]
        except (KafkaError, OSError, TimeoutError) as exc:
            last = f"{type(exc).__name__}: {exc}"
        else:
            last = ", ".join(
                f"{node}: controller {controller}, brokers {sorted(seen)}"
                for node, (controller, seen) in zip(nodes, views, strict=True)
            )
            if all(controller >= 0 and len(seen) == brokers for controller, seen in views):
                return True, last
        await asyncio.sleep(1)
    return False, last


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", required=True, help="host:port,host:port of every node")
    parser.add_argument("--brokers", type=int, required=True, help="how many brokers must be registered")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds to wait")
    args = parser.parse_args()
    # Refused connections while nodes come up are expected; the outcome is said once, below.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    ok, last = asyncio.run(_ready(args.bootstrap.split(","), args.brokers, args.timeout))
    if not ok:
        sys.stderr.write(f"kafka not ready after {args.timeout:.0f}s: {last}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
