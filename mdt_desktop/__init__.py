"""MDT Desktop: the IBD anti-TNF de-escalation MDT meeting, its record and its follow-up."""

__version__ = "0.1.0"
