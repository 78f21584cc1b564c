"""The Magento writer: the only service that talks to Magento (create, cancel, ship, reservations)."""
