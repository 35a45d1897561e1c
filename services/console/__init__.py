"""The duty console: officers' accounts and roles, decisions, live board, drills, audit, web page."""
