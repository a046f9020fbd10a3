"""Outbound webhooks: endpoints, the transactional outbox of events, and their deliveries."""
