"""The fault-injection suite: a storm day played through every service while a seeded
injector kills, freezes and breaks what it runs on; then invariants against an undisturbed run."""
