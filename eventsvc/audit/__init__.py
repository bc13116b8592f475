"""The audit trail: an append-only record of who did what, written by the services in the transaction of the change."""
