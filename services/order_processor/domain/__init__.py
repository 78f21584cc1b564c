"""Pure order-lifecycle domain: no I/O, no Faust. ``apply`` folds one input event."""

from services.order_processor.domain.rules import Outcome, apply
from services.order_processor.domain.state import OrderState, order_id_for

__all__ = ["OrderState", "Outcome", "apply", "order_id_for"]
