"""Pure reservation domain: no I/O, no clock, no Kafka. Everything here is a function of
its arguments, so a replay of the same events reproduces the same outputs."""

from services.inventory_reserver.domain.ledger import Decision, apply, handle, settle
from services.inventory_reserver.domain.state import Phase, ReservationState
from services.inventory_reserver.domain.units import reserved_units

__all__ = ["Decision", "Phase", "ReservationState", "apply", "handle", "reserved_units", "settle"]
