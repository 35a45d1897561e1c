"""The pure part of dispatch: the directory, who is told, and what they are told.

Nothing here does IO; the service part of dispatch wires these functions to Kafka,
MQTT, the gateways and the database. ``generator`` makes the Bao'an directory,
``directory_csv`` and ``validation`` read and check it, ``targeting`` picks the
recipients, ``templates`` writes the Chinese text and ``notices`` builds the events.
"""

__all__: list[str] = []
