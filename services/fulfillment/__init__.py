"""Fulfillment back to Amazon (issue 18): the outbox reader publishes Magento shipments
(``magento-fulfillment``), ``decide`` turns one into the package to confirm (pure), and the
shipment confirmer calls ``confirmShipment`` and publishes each outcome (``amazon-confirmations``)."""
