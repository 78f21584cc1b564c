"""Magento 2.4 REST stand-in: `create_app(state)`, `run(host, port)`, `MagentoState`."""

from sandbox.magento.faults import ConnectionDropped
from sandbox.magento.server import create_app, run
from sandbox.magento.state import MagentoState

__all__ = ["ConnectionDropped", "MagentoState", "create_app", "run"]
