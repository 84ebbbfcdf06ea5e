"""FHIR R4, HL7 v2 and CSV readers: validated domain records written in one transaction.

No Qt. Every problem names the file, line or resource, field and reason.
"""
