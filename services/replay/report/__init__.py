"""The review as one self-contained HTML page (inline SVG plots, sortable tables) and JSON."""
