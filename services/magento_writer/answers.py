"""Each command's first answer (issue 16): the result the writer published for a command, kept in
the ledger (``magento_writer_answers``) under the command's event id, so that a command handled
again is answered with the same bytes instead of from what Magento holds by then.

A command is handled again when the writer was killed between publishing its result and committing
its input offset, on a redelivery, or on a replay. Answered from scratch, a create's ``created``
became ``found`` and a reservation's ``applied: true`` became ``false``, under the same event id.

The order, per command (``handlers.answers_for`` and the runner):
1. the recorded answer is looked up; if there is one, it is published again, byte for byte;
2. otherwise the handler runs and its result is recorded, if the command has no answer yet;
3. the recorded body is published, acknowledged, and only then is the input offset committed.

A crash before step 2 published nothing: the command runs again (idempotently, see the handlers).
From step 2 on, every later delivery publishes the recorded body. Two writers handling one command
at once (a rebalance) both publish whichever answer was recorded first."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from schemas import Event, decode, encode


@dataclass(frozen=True)
class Answer:
    """A result as published: ``body`` is the record value, ``event`` its decoded form."""

    event: Event
    body: bytes

    @property
    def key(self) -> str:
        return self.event.key

    @classmethod
    def of(cls, event: Event) -> Answer:
        return cls(event, encode(event))

    @classmethod
    def recorded(cls, body: bytes | memoryview) -> Answer:
        raw = bytes(body)  # psycopg2 reads bytea as a memoryview
        return cls(decode(raw), raw)


GET_ANSWER = text("SELECT body FROM magento_writer_answers WHERE command_id = :c")
KEEP_ANSWER = text(
    "INSERT INTO magento_writer_answers (command_id, event_id, event_type, body, created_at) "
    "VALUES (:c, :e, :t, :b, :at) ON CONFLICT (command_id) DO NOTHING RETURNING command_id"
)
