"""The little that services share: settings, Kafka clients, database, metrics, logging."""
