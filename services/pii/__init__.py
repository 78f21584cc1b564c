"""Buyer PII under Amazon's Data Protection Policy (issue 20): crypto-shredding.

Every buyer PII field of an order is sealed with the order's own data key (AES-GCM); data keys are
wrapped by a rotatable key-encryption key and kept in the key service's store. Destroying an order's
data key makes every copy of its PII, in every topic, changelog and store, unreadable."""
