"""Events out: webhook subscriptions, their deliveries from the event log, the live stream."""
