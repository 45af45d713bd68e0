"""Operations: Prometheus metrics, structured logs, request ids."""
