"""Operations (issue 16): health and readiness checks, Prometheus metrics, JSON logs."""
