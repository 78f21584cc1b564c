"""The local Apache Kafka: one version pin, node configuration, and a real cluster's failover."""

from __future__ import annotations

import base64
from pathlib import Path

import yaml

from services.devbroker.kafka import KafkaNode, kafka_version, new_cluster_id
from tests.harness import ROOT


def test_the_compose_file_runs_the_version_the_tests_run() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text())
    assert compose["services"]["kafka"]["image"] == f"apache/kafka:{kafka_version()}"
    assert kafka_version().startswith("4.")


def test_cluster_ids_are_sixteen_random_bytes_base64url() -> None:
    ids = {new_cluster_id() for _ in range(50)}
    assert len(ids) == 50
    for cid in ids:
        assert len(cid) == 22 and len(base64.urlsafe_b64decode(cid + "==")) == 16


def test_cluster_ids_never_start_with_a_dash() -> None:
    # One random id in 64 would; the storage tool would take it for an option and the node never start.
    assert not [cid for cid in (new_cluster_id() for _ in range(5000)) if cid.startswith("-")]


def _props(node: KafkaNode) -> dict[str, str]:
    return dict(line.split("=", 1) for line in node.config_path.read_text().splitlines())


def test_three_nodes_replicate_three_times_and_need_two_in_sync(tmp_path: Path) -> None:
    node = KafkaNode(2, 9102, 9202, tmp_path / "node-2", tmp_path, 384)
    node.write_config("1@127.0.0.1:9201,2@127.0.0.1:9202,3@127.0.0.1:9203", replicas=3)
    props = _props(node)
    assert props["process.roles"] == "broker,controller" and props["node.id"] == "2"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:9102"
    assert props["controller.quorum.voters"].count("@") == 3
    assert props["default.replication.factor"] == props["offsets.topic.replication.factor"] == "3"
    assert props["min.insync.replicas"] == props["transaction.state.log.min.isr"] == "2"
    assert props["auto.create.topics.enable"] == "false"  # clients never create topics
    assert props["unclean.leader.election.enable"] == "false"


def test_one_node_replicates_once(tmp_path: Path) -> None:
    node = KafkaNode(1, 9102, 9202, tmp_path / "node-1", tmp_path, 512)
    node.write_config("1@127.0.0.1:9202", replicas=1)
    props = _props(node)
    assert props["default.replication.factor"] == props["min.insync.replicas"] == "1"
