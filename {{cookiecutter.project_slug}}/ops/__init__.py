"""Running the project in production: health checks, Prometheus metrics and structured logs.

Nothing here changes what the API answers; it tells a load balancer, a process manager and
an operator how each process is doing.
"""
