"""Coded values used across the program. Plain Python; the database stores the ``value`` strings.

To add a member: 1. add it here; 2. add an Alembic migration that rewrites the CHECK constraint of
the column that stores it (models/ builds its CHECKs from these enums); 3. add its label.
"""

from __future__ import annotations

from enum import StrEnum


class IbdType(StrEnum):
    """Diagnosis."""

    CROHNS = "crohns_disease"
    UC = "ulcerative_colitis"
    IBDU = "ibd_unclassified"

    @property
    def label(self) -> str:
        return {
            IbdType.CROHNS: "Crohn's disease",
            IbdType.UC: "Ulcerative colitis",
            IbdType.IBDU: "IBD unclassified",
        }[self]

    @property
    def short(self) -> str:
        return {IbdType.CROHNS: "CD", IbdType.UC: "UC", IbdType.IBDU: "IBD-U"}[self]


class Sex(StrEnum):
    """Administrative sex, with FHIR's gender codes."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class SmokingStatus(StrEnum):
    """Tobacco smoking."""

    NEVER = "never"
    FORMER = "former"
    CURRENT = "current"
    UNKNOWN = "unknown"


class DrugClass(StrEnum):
    """Therapeutic class; decides which rules look at a medication period."""

    ANTI_TNF = "anti_tnf"
    OTHER_BIOLOGIC = "other_biologic"
    SMALL_MOLECULE = "small_molecule"
    IMMUNOMODULATOR = "immunomodulator"
    SYSTEMIC_STEROID = "systemic_steroid"
    LOCAL_STEROID = "local_steroid"


class Drug(StrEnum):
    """A medication as prescribed (molecule and route where the route changes the regimen)."""

    INFLIXIMAB_IV = "infliximab_iv"
    INFLIXIMAB_SC = "infliximab_sc"
    ADALIMUMAB = "adalimumab"
    GOLIMUMAB = "golimumab"
    CERTOLIZUMAB = "certolizumab"
    VEDOLIZUMAB = "vedolizumab"
    USTEKINUMAB = "ustekinumab"
    RISANKIZUMAB = "risankizumab"
    TOFACITINIB = "tofacitinib"
    UPADACITINIB = "upadacitinib"
    AZATHIOPRINE = "azathioprine"
    MERCAPTOPURINE = "mercaptopurine"
    METHOTREXATE = "methotrexate"
    PREDNISOLONE = "prednisolone"
    HYDROCORTISONE = "hydrocortisone"
    METHYLPREDNISOLONE = "methylprednisolone"
    BUDESONIDE = "budesonide"


class DoseUnit(StrEnum):
    """Unit of one dose."""

    MG_PER_KG = "mg/kg"
    MG = "mg"


class Phase(StrEnum):
    """What a medication period is; only maintenance regimens are compared for intensity.

    Induction doses (label: infliximab 5 mg/kg at weeks 0, 2 and 6; adalimumab 160 mg then
    80 mg) and single doses given outside a regimen (a rescue infusion) are shown on the dose
    strip but never make a regimen change (docs/clinical.md, "Medication episodes").
    """

    INDUCTION = "induction"
    MAINTENANCE = "maintenance"
    SINGLE_DOSE = "single_dose"


class EndReason(StrEnum):
    """Why a medication period ended (FHIR MedicationStatement.statusReason, or entered).

    Only lack or loss of effect ends a de-escalation as a failure; every other stop censors it on
    its date (docs/clinical.md, "Outcome audit"). None means the reason was not recorded.
    """

    REGIMEN_CHANGE = "regimen_change"
    LACK_OF_EFFECT = "lack_of_effect"
    ADVERSE_EVENT = "adverse_event"
    PATIENT_CHOICE = "patient_choice"
    PREGNANCY = "pregnancy"
    ELECTIVE_STOP = "elective_stop"
    COURSE_COMPLETED = "course_completed"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            EndReason.REGIMEN_CHANGE: "Regimen changed",
            EndReason.LACK_OF_EFFECT: "Lack or loss of effect",
            EndReason.ADVERSE_EVENT: "Adverse event",
            EndReason.PATIENT_CHOICE: "Patient's choice",
            EndReason.PREGNANCY: "Pregnancy",
            EndReason.ELECTIVE_STOP: "Elective stop (e.g. in remission)",
            EndReason.COURSE_COMPLETED: "Course completed",
            EndReason.OTHER: "Other reason",
        }[self]


class Analyte(StrEnum):
    """What an observation measures.

    The names are part of the CLI contract (docs/architecture.md, "Command line").
    """

    FAECAL_CALPROTECTIN = "faecal_calprotectin"
    CRP = "crp"
    WBC = "wbc"
    HAEMOGLOBIN = "haemoglobin"
    ALBUMIN = "albumin"
    INFLIXIMAB_LEVEL = "infliximab_level"
    ADALIMUMAB_LEVEL = "adalimumab_level"
    ANTI_DRUG_ANTIBODIES = "anti_drug_antibodies"
    HBI = "hbi"
    PARTIAL_MAYO = "partial_mayo"
    SCCAI = "sccai"
    IUS_BOWEL_WALL_MM = "ius_bowel_wall_mm"
    IUS_LIMBERG = "ius_limberg"
    SES_CD = "ses_cd"
    MAYO_ENDOSCOPIC = "mayo_endoscopic"
    UCEIS = "uceis"


class Comparator(StrEnum):
    """Qualifier of a value reported as a bound, e.g. ``<2.5`` below the assay limit."""

    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


class EventKind(StrEnum):
    """Procedures and clinical events on the patient's timeline."""

    ENDOSCOPY = "endoscopy"
    ULTRASOUND = "intestinal_ultrasound"
    SURGERY = "surgery"
    TRIAL_ENROLMENT = "trial_enrolment"
    FLARE = "flare"


class Role(StrEnum):
    """A clinician's role on the MDT roster."""

    IBD_CONSULTANT = "ibd_consultant"
    IBD_CLINICIAN = "ibd_clinician"
    IBD_NURSE = "ibd_nurse"
    PHARMACIST = "pharmacist"
    RADIOLOGIST = "radiologist"
    SURGEON = "surgeon"
    COORDINATOR = "coordinator"
    OBSERVER = "observer"

    @property
    def label(self) -> str:
        return {
            Role.IBD_CONSULTANT: "IBD consultant",
            Role.IBD_CLINICIAN: "IBD clinician",
            Role.IBD_NURSE: "IBD nurse specialist",
            Role.PHARMACIST: "Pharmacist",
            Role.RADIOLOGIST: "Radiologist",
            Role.SURGEON: "Colorectal surgeon",
            Role.COORDINATOR: "MDT coordinator",
            Role.OBSERVER: "Observer",
        }[self]


class MeetingStatus(StrEnum):
    """Lifecycle of a meeting: planned -> in progress -> signed off (read-only)."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    SIGNED_OFF = "signed_off"


class CaseStatus(StrEnum):
    """Where a case stands within its meeting."""

    PENDING = "pending"
    DISCUSSED = "discussed"
    DEFERRED = "deferred"


class Outcome(StrEnum):
    """The team's decision for one case.

    De-escalate and re-escalate both name a target regimen and start it on their effective date;
    a de-escalation of a patient already on a reduced regimen is a further de-escalation.
    """

    DE_ESCALATE = "de_escalate"
    RE_ESCALATE = "re_escalate"
    CONTINUE_INTENSIFIED = "continue_intensified"
    STOP_ANTI_TNF = "stop_anti_tnf"
    DEFER = "defer_for_investigation"
    REFER_TRIAL = "refer_to_trial"
    OTHER = "other"

    @property
    def changes_regimen(self) -> bool:
        """True for the outcomes that start a new regimen (they need a target)."""
        return self in (Outcome.DE_ESCALATE, Outcome.RE_ESCALATE)

    @property
    def label(self) -> str:
        return {
            Outcome.DE_ESCALATE: "De-escalate",
            Outcome.RE_ESCALATE: "Re-escalate",
            Outcome.CONTINUE_INTENSIFIED: "Continue intensified",
            Outcome.STOP_ANTI_TNF: "Stop anti-TNF",
            Outcome.DEFER: "Defer for investigation",
            Outcome.REFER_TRIAL: "Refer to clinical trial",
            Outcome.OTHER: "Other",
        }[self]


class ChecklistResult(StrEnum):
    """Result of one checklist item, automatic or confirmed."""

    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"


class Interpretation(StrEnum):
    """A pharmacist's reading of a drug-level or antibody result."""

    UNDETECTABLE = "undetectable"
    BELOW_TARGET = "below_target"
    WITHIN_TARGET = "within_target"
    ABOVE_TARGET = "above_target"
    ANTIBODIES = "antibodies_detected"

    @property
    def label(self) -> str:
        return {
            Interpretation.UNDETECTABLE: "Undetectable",
            Interpretation.BELOW_TARGET: "Below target",
            Interpretation.WITHIN_TARGET: "Within target",
            Interpretation.ABOVE_TARGET: "Above target",
            Interpretation.ANTIBODIES: "Antibodies detected",
        }[self]


class Position(StrEnum):
    """One attendee's position on a decision, entered by the chair."""

    AGREE = "agree"
    DISAGREE = "disagree"
    ABSTAIN = "abstain"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class AttendanceStatus(StrEnum):
    """Attendance at a meeting."""

    PRESENT = "present"
    APOLOGIES = "apologies"


class Evidence(StrEnum):
    """How well a configured threshold is supported.

    See docs/clinical.md, "Evidence grades and sources".
    """

    VERIFIED = "verified"
    UNVERIFIED = "unverified"
    DERIVED = "derived"
    LOCAL_POLICY = "local-policy"
