"""Sanfang's services: shared plumbing in ``core`` and one package per service."""
