"""The demo season: the first half of 2024 in Bao'an, generated deterministically from a seed.

36 warning signals, rain-gauge series whose totals match the bureau's figures, a duty
officer answering proposals, 33 activations (2 pre-emptive from rainfall) and one drill;
then every notice, delivery, acknowledgement and escalation of 3,183 simulated persons.
It is the demo's script, a test fixture and the replay benchmark's input.
"""
