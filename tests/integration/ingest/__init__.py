"""Integration tests of ingest: pushed and polled feeds on the real broker and database."""
