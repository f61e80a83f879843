"""Connectors to the national public service portal and the public-utility postal service
(BCCI), their in-memory simulators, and the signed webhooks they call back."""
