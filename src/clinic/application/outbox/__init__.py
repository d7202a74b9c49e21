"""The transactional outbox: messages saved with the change that caused them, sent after."""
