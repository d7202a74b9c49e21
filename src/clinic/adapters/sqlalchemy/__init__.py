"""The database adapter: tables, imperative mappers, repositories, unit of work, read queries."""
