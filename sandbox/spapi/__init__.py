"""A stateful, multi-seller stand-in for the Amazon SP-API (LWA tokens and Orders API v2026-01-01).

``create_app`` builds the FastAPI app; ``SandboxState`` is the in-process handle tests use to
create sellers and orders, force transitions, move the clock and inject faults."""

from sandbox.spapi.state import SandboxState, SellerCredentials

__all__ = ["SandboxState", "SellerCredentials"]
