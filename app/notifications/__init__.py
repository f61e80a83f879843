"""Web Push notifications: subscriptions, the transactional outbox, the delivery worker."""
