"""Amazon ``ORDER_CHANGE`` notifications: an SQS listener beside the poller (issue 19)."""
