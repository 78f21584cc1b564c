"""The poller: reads SP-API Orders v2026-01-01 for every enabled store and publishes one
``AmazonOrderChangedV2`` fact (order + shipment tracks) per real change of an order."""
