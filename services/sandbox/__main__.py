"""``python -m services.sandbox [--host H] [--port P] [--token T]``: run the sandbox gateway alone.

The token defaults to ``SANFANG_GATEWAY_TOKEN`` (or the development token), so a Sanfang
started with the same environment and ``SANFANG_GATEWAY_URL=http://H:P`` talks to it.
"""

from __future__ import annotations

import argparse
import logging

import uvicorn

from services.core.settings import Settings
from services.sandbox.app import create_sandbox_app
from services.sandbox.state import GatewayState


def main(argv: list[str] | None = None) -> None:
    """Parse the options and serve until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m services.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9090)
    parser.add_argument("--token", default=None, help="default: SANFANG_GATEWAY_TOKEN")
    args = parser.parse_args(argv)
    token = args.token or Settings().gateway_token.get_secret_value()
    logging.basicConfig(level=logging.INFO)
    uvicorn.run(create_sandbox_app(GatewayState(), token=token), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
