"""Cases: filing, the six-step workflow, deadlines, photos, queues."""
