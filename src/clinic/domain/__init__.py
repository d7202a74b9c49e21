"""The rules of the business: entities, value objects and pure services. Standard library only."""
