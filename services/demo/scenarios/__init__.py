"""One module per ``sanfang demo --scenario`` value, named after it: ``season``, ``warning``,
``generated``."""
