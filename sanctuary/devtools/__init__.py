"""Development and test tooling, not part of any running service: a nats-server launcher
(``nats_server``), a local JetStream cluster (``nats_cluster``) and development TLS certificates
(``devcerts``)."""
