"""Brokers for one machine: Apache Kafka from Maven jars (tests, CI, benchmarks, `demo --broker
kafka`) and Tansu (the zero-dependency broker of `sales-channel demo`). Production points
KAFKA_BOOTSTRAP_SERVERS at a Kafka cluster and never imports this package."""

from services.devbroker.process import RunningBroker, free_port, port_open, start_broker

__all__ = ["RunningBroker", "free_port", "port_open", "start_broker"]
