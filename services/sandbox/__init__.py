"""The sandbox SMS and voice gateway: a small real HTTP server that plays the providers.

It speaks the gateway API Sanfang uses (``services/dispatch/channels/gateway.py``),
records everything it is sent, posts delivery receipts, replies and keypresses to
Sanfang's webhooks, and can be told through its control endpoints to fail, be slow,
or rate-limit (429). The demo and the tests start it; ``python -m services.sandbox``
runs it alone.
"""

__all__: list[str] = []
