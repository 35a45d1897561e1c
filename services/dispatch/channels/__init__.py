"""The channels notices and reminders travel on, each behind one interface (:class:`Transport`).

``base`` defines the interface and the outcome of a send; ``limits`` the per-channel
rate limit; ``gateway`` the SMS and voice providers' HTTP API; ``robot`` the units'
group webhooks; app push over MQTT is ``services.dispatch.push``.
"""

__all__: list[str] = []
