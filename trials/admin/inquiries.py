"""Admin for inquiries and the outbox."""
