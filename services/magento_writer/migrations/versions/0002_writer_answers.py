"""Magento writer: each command's first answer, the result it published (issue 16).

A writer killed between publishing a result and committing its input offset handles the command
again after a restart; it then sends the recorded answer again, byte for byte, instead of answering
from what it finds the second time. Existing databases start with no answers: a command handled
before the upgrade and redelivered after it is answered once more the old way, and that answer kept.

Revision ID: 0002_writer_answers
Revises: 0001_writer_tables
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_writer_answers"
down_revision = "0001_writer_tables"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "magento_writer_answers",
        sa.Column("command_id", sa.String(64), primary_key=True),  # the input event's id
        sa.Column("event_id", sa.String(64), nullable=False),  # the result's id
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),  # the record value as published
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    op.drop_table("magento_writer_answers")
