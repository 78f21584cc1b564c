"""Inventory reserver: the reservation ledger of Pending Amazon orders (SPEC §5)."""
