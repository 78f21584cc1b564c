"""The store registry: integrating, changing and disabling Amazon stores, as events."""
