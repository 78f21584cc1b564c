from schemas.registry import registered_events
from schemas.snapshots import changed_models, render, snapshot_path
from schemas.topics import catalogue, dead_letter_topic


def test_every_model_matches_its_committed_schema() -> None:
    changed = changed_models()
    assert not changed, (
        "these event models changed without a new schema version (or their schema is not committed): "
        + ", ".join(m.tag() for m in changed)
        + ". Add a new version class with an upcast from the old one, then `sales-channel schemas export`."
    )


def test_snapshot_detects_a_changed_model(tmp_path, monkeypatch) -> None:
    from schemas import snapshots

    model = registered_events()[0]
    monkeypatch.setattr(snapshots, "SNAPSHOT_DIR", tmp_path)
    snapshot_path(model).write_text(render(model).replace('"type"', '"typo"', 1))
    assert model in changed_models()


def test_tags_are_unique() -> None:
    tags = [m.tag() for m in registered_events()]
    assert len(tags) == len(set(tags))


def test_catalogue_has_one_owner_per_topic_and_equal_order_partitions() -> None:
    specs = catalogue(12)
    names = [s.name for s in specs]
    assert len(names) == len(set(names))
    order_topics = [s for s in specs if s.key == "order"]
    assert len(order_topics) >= 5
    assert {s.partitions for s in order_topics} == {12}


def test_every_registered_event_lives_on_exactly_one_topic() -> None:
    homes: dict[str, list[str]] = {}
    for s in catalogue():
        for e in s.events:
            homes.setdefault(e, []).append(s.name)
    for model in registered_events():
        if model.EVENT_TYPE == "deadletter.recorded":
            assert all(dead_letter_topic(svc) in homes[model.EVENT_TYPE]
                       for svc in ("poller", "order_processor", "magento_writer"))
            continue
        assert len(homes.get(model.EVENT_TYPE, [])) == 1, model.EVENT_TYPE
