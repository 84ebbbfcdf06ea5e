"""Looking back: the de-escalation outcome audit and the audit log."""
