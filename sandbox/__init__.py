"""Local stand-ins for external services (Amazon SP-API, Magento) that follow the real
contracts. Used by tests, the demo and benchmarks; never by the pipeline's own logic."""
