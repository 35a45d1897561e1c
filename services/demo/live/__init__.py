"""The demo season played live: the generated inputs posted to the running services on an
accelerated clock, simulated persons and a duty officer answering over the real channels."""
