"""Event models, one module per owning service."""
