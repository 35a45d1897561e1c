"""The one HTTP edge every service's API stands on: who is calling (officers' sessions,
bearer tokens and the CSRF check), what their role allows, the route classes that turn the
typed errors into the API's error body (``ApiRoute``, ``PageRoute``), bounded request bodies,
the security headers, and the audit log. The console, ingest, rules, dispatch and replay are
peers here: none imports another, each imports this edge, ``schemas``, ``core`` and the bus.
"""
