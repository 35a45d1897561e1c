"""The demo: Sanfang running on one machine with simulated responsible persons."""
