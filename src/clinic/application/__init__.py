"""Use cases (one class per module) and read models; they speak to the world only through ports."""
