"""Outbound messages (SMS to parties, callbacks to channels) through an outbox table.

The change that causes a message enqueues it in its own transaction (`services.enqueue`,
`services.channel_event`); the `deliver_outbox` job sends it later, retrying with backoff.
"""
