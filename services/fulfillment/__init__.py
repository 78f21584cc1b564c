"""Fulfillment back to Amazon (issue 18): the outbox reader publishes Magento shipments
(``magento-fulfillment``), ``decide`` turns one into the package to confirm (pure), the shipment
confirmer calls ``confirmShipment`` and publishes each outcome (``amazon-confirmations``), and the
canceller sends "Cancel on Amazon" requests (``user-requests``) as acknowledgement feeds
(``feeds.py``, pure; ``canceller.py``), publishing each outcome on ``amazon-confirmations`` too."""
