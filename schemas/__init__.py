"""Sanfang's contracts: pydantic models of every bus event, API body and config file.

Nothing here does IO. Services import these models; the generated JSON Schema and
AsyncAPI documents in ``schemas/generated`` are written from them by ``scripts/gen-schemas``.
"""
