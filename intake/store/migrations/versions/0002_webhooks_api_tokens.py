"""ticket events and redaction rejections exported to webhooks; API tokens

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 05:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('exported_at', sa.DateTime(timezone=True), nullable=True))
    # Events from before webhooks existed are not sent: only what happens from now on.
    op.execute(sa.text("UPDATE ticket_events SET exported_at = at"))
    op.create_index('ix_ticket_events_unexported', 'ticket_events', ['id'], unique=False,
                    sqlite_where=sa.text('exported_at IS NULL'), postgresql_where=sa.text('exported_at IS NULL'))
    op.create_table('export_cursors',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash'),
    sa.UniqueConstraint('name'),
    )


def downgrade() -> None:
    op.drop_table('api_tokens')
    op.drop_table('export_cursors')
    op.drop_index('ix_ticket_events_unexported', table_name='ticket_events')
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.drop_column('exported_at')
