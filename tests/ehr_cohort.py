"""A de-escalation cohort as an EHR sends it, written by hand, for the outcome audit's tests.

Each patient's medication history is shaped like FHIR R4 MedicationStatements from a hospital
EHR, read the way the importer reads them (docs/clinical.md, "Medication episodes"):
``effectivePeriod`` gives start and end (an EHR often ends a statement on the day of its last
dose, weeks before the next regimen's first), ``status``/``statusReason`` give the end reason
(``stopped`` + "Adverse drug reaction" -> adverse event; "Pregnant" -> pregnancy; "Lack of
efficacy" -> lack of effect; ``completed`` without a reason -> not recorded), ``dosage.timing``
gives the interval, and a loading dose sent with ``repeat.count = 1`` is a single dose. Results
(CRP, ``collected_at``), recorded doses (MedicationAdministration) and procedures (Procedure)
are the contacts.

Ten de-escalation episodes (P01-P06, P09-P12) and two patients whose only "reduction" is the
start of maintenance after induction (P07, P08). The expected figures are computed by hand in
the tests that use this cohort, not here. ``write`` stores cases as rows, with the services' own
column mappings, for the service tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert

from mdt_desktop.domain.enums import (
    Analyte,
    DoseUnit,
    Drug,
    EndReason,
    EventKind,
    IbdType,
    Phase,
    Sex,
)
from mdt_desktop.domain.records import (
    Administration,
    ClinicalEvent,
    MedicationPeriod,
    Observation,
    Patient,
    PatientRecord,
)
from mdt_desktop.models import (
    AdministrationRow,
    CaseReviewRow,
    ClinicalEventRow,
    ClinicianRow,
    MedicationPeriodRow,
    MeetingRow,
    ObservationRow,
    PatientRow,
)
from mdt_desktop.services.mapping import (
    event_columns,
    medication_columns,
    observation_columns,
    patient_columns,
)

AS_OF = date(2026, 11, 24)
IFX, IFX_SC, ADA = Drug.INFLIXIMAB_IV, Drug.INFLIXIMAB_SC, Drug.ADALIMUMAB
MGKG, MG = DoseUnit.MG_PER_KG, DoseUnit.MG
ROUTINE_FROM = date(2023, 1, 2)  # a CRP every 13 weeks from here: the patient attends clinic
ROUTINE_EVERY = timedelta(days=91)


@dataclass(frozen=True)
class Case:
    """One patient of the cohort: the record, and the MDT meetings that discussed them."""

    record: PatientRecord
    reviews: tuple[date, ...] = ()
    pending_reviews: tuple[date, ...] = ()  # listed but not discussed: not a contact
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def number(self) -> str:
        return self.record.patient.hospital_number


def _patient(number: int, ibd: IbdType = IbdType.CROHNS) -> Patient:
    return Patient(
        None,
        f"EHR{number:02d}",
        f"Feed{number:02d} (TEST)",
        "Pat",
        date(1980 + number, 3, 15),
        Sex.FEMALE if number % 2 else Sex.MALE,
        ibd,
        date(2012, 6, 1),
    )


def statement(
    drug: Drug,
    dose: float,
    interval: int,
    start: date,
    end: date | None = None,
    end_reason: EndReason | None = None,
    detail: str = "",
    phase: Phase = Phase.MAINTENANCE,
) -> MedicationPeriod:
    unit = MGKG if drug is IFX else MG
    return MedicationPeriod(
        None, drug, dose, unit, interval, start, end, phase, "", end_reason, detail
    )


def crp(day: date, value: float = 3.0) -> Observation:
    return Observation(
        None, Analyte.CRP, value, "mg/L", datetime.combine(day, time(9, 30)), None, f"{value:g}"
    )


def fcp(day: date, value: float) -> Observation:
    when = datetime.combine(day, time(11, 0))
    return Observation(None, Analyte.FAECAL_CALPROTECTIN, value, "ug/g", when, None, f"{value:g}")


def routine(until: date) -> tuple[Observation, ...]:
    """A CRP of 3 mg/L every 13 weeks from ROUTINE_FROM up to *until*."""
    days = []
    day = ROUTINE_FROM
    while day <= until:
        days.append(day)
        day += ROUTINE_EVERY
    return tuple(crp(d) for d in days)


def patient_record(
    number: int,
    medications: tuple[MedicationPeriod, ...],
    observations: tuple[Observation, ...] = (),
    events: tuple[ClinicalEvent, ...] = (),
    administrations: tuple[Administration, ...] = (),
    *,
    seen_until: date = AS_OF,
    ibd: IbdType = IbdType.CROHNS,
) -> PatientRecord:
    results = tuple(sorted((*routine(seen_until), *observations), key=lambda o: o.collected_at))
    return PatientRecord(_patient(number, ibd), medications, results, events, administrations)


def cohort() -> list[Case]:
    """The twelve patients, in hospital-number order."""
    return [
        # P01: IFX 5 mg/kg q6w; the statement ends on its last dose (1 Mar 2025) and q8w starts
        # 8 weeks later (26 Apr 2025): a de-escalation. A rescue infusion (repeat.count = 1) on
        # 10 Oct 2025 is a single dose, not a regimen change. Followed to the audit date.
        Case(
            patient_record(
                1,
                (
                    statement(IFX, 5, 42, date(2023, 1, 10), date(2025, 3, 1)),
                    statement(IFX, 5, 56, date(2025, 4, 26)),
                    statement(
                        IFX, 5, 1, date(2025, 10, 10), date(2025, 10, 11), phase=Phase.SINGLE_DOSE
                    ),
                ),
            )
        ),
        # P02: ADA 40 mg weekly -> every 2 weeks on 4 Feb 2025; stopped 4 Jun 2025,
        # statusReason "Adverse drug reaction".
        Case(
            patient_record(
                2,
                (
                    statement(ADA, 40, 7, date(2023, 5, 2), date(2025, 2, 4)),
                    statement(
                        ADA,
                        40,
                        14,
                        date(2025, 2, 4),
                        date(2025, 6, 4),
                        EndReason.ADVERSE_EVENT,
                        "Adverse drug reaction",
                    ),
                ),
            )
        ),
        # P03: IFX 10 -> 5 mg/kg every 8 weeks on 3 Mar 2025; stopped 19 Sep 2025, "Pregnant".
        Case(
            patient_record(
                3,
                (
                    statement(IFX, 10, 56, date(2023, 2, 6), date(2025, 3, 3)),
                    statement(
                        IFX,
                        5,
                        56,
                        date(2025, 3, 3),
                        date(2025, 9, 19),
                        EndReason.PREGNANCY,
                        "Pregnant",
                    ),
                ),
                ibd=IbdType.UC,
            )
        ),
        # P04: ADA 80 -> 40 mg every 2 weeks on 13 Jan 2025; stopped 12 Jun 2025 "Lack of
        # efficacy", then ustekinumab (not an anti-TNF) from 20 Jun 2025.
        Case(
            patient_record(
                4,
                (
                    statement(ADA, 80, 14, date(2023, 4, 3), date(2025, 1, 13)),
                    statement(
                        ADA,
                        40,
                        14,
                        date(2025, 1, 13),
                        date(2025, 6, 12),
                        EndReason.LACK_OF_EFFECT,
                        "Lack of efficacy",
                    ),
                    MedicationPeriod(None, Drug.USTEKINUMAB, 90, MG, 56, date(2025, 6, 20)),
                ),
            )
        ),
        # P05: IFX q4w -> q8w on 1 Jul 2025; status "completed" on 29 Sep 2025, no statusReason.
        Case(
            patient_record(
                5,
                (
                    statement(IFX, 5, 28, date(2023, 9, 4), date(2025, 7, 1)),
                    statement(IFX, 5, 56, date(2025, 7, 1), date(2025, 9, 29)),
                ),
            )
        ),
        # P06: ADA weekly -> every 2 weeks on 6 Jan 2025, the statement still "active"; the last
        # result 14 Aug 2025, the last injection recorded as given 24 Sep 2025 (14 months
        # before the audit date); a meeting listed the case on 2 Mar 2026 but never discussed it.
        Case(
            patient_record(
                6,
                (
                    statement(ADA, 40, 7, date(2023, 7, 3), date(2025, 1, 6)),
                    statement(ADA, 40, 14, date(2025, 1, 6)),
                ),
                (crp(date(2025, 8, 14), 2.0),),
                administrations=(
                    Administration(None, ADA, date(2025, 9, 10), 40, MG),
                    Administration(None, ADA, date(2025, 9, 24), 40, MG),
                ),
                seen_until=date(2025, 8, 1),
            ),
            pending_reviews=(date(2026, 3, 2),),
        ),
        # P07: IFX induction sent as a regimen: 5 mg/kg every 2 weeks from 8 Jan 2024, the
        # statement ending when maintenance (q8w) starts on 15 Apr 2024 (week 14). Never a
        # de-escalation.
        Case(
            patient_record(
                7,
                (
                    statement(IFX, 5, 14, date(2024, 1, 8), date(2024, 4, 15)),
                    statement(IFX, 5, 56, date(2024, 4, 15)),
                ),
            )
        ),
        # P08: ADA 160 mg every 2 weeks, repeat.count 2, from 4 Mar 2024 (ends on its last
        # dose, 18 Mar), then 40 mg every 2 weeks from 1 Apr 2024. Never a de-escalation.
        Case(
            patient_record(
                8,
                (
                    statement(ADA, 160, 14, date(2024, 3, 4), date(2024, 3, 18)),
                    statement(ADA, 40, 14, date(2024, 4, 1)),
                ),
            )
        ),
        # P09: IFX IV q4w -> q8w on 10 Feb 2025; the IV statement ends on its last dose
        # (28 Jul 2025) and infliximab SC 120 mg every 2 weeks starts 9 Aug 2025: a change of
        # route, censored on 9 Aug 2025.
        Case(
            patient_record(
                9,
                (
                    statement(IFX, 5, 28, date(2023, 6, 5), date(2025, 2, 10)),
                    statement(IFX, 5, 56, date(2025, 2, 10), date(2025, 7, 28)),
                    statement(IFX_SC, 120, 14, date(2025, 8, 9)),
                ),
                ibd=IbdType.UC,
            ),
            reviews=(date(2025, 1, 14),),
        ),
        # P10: IFX q4w -> q8w on 20 Jan 2025; the q8w statement ends on its last dose (1 Sep
        # 2025) and q4w starts 21 Sep 2025 after a flare: re-escalated. Calprotectin 120 ug/g
        # and CRP 2 mg/L on 1 Dec 2025: recaptured.
        Case(
            patient_record(
                10,
                (
                    statement(IFX, 5, 28, date(2023, 3, 6), date(2025, 1, 20)),
                    statement(IFX, 5, 56, date(2025, 1, 20), date(2025, 9, 1)),
                    statement(IFX, 5, 28, date(2025, 9, 21)),
                ),
                (
                    fcp(date(2025, 9, 10), 900),
                    crp(date(2025, 9, 10), 25),
                    fcp(date(2025, 12, 1), 120),
                    crp(date(2025, 12, 1), 2),
                ),
            )
        ),
        # P11: ADA weekly -> every 2 weeks on 1 Apr 2025; prednisolone 40 mg from 1 Jun 2025.
        Case(
            patient_record(
                11,
                (
                    statement(ADA, 40, 7, date(2023, 10, 2), date(2025, 4, 1)),
                    statement(ADA, 40, 14, date(2025, 4, 1)),
                    MedicationPeriod(
                        None, Drug.PREDNISOLONE, 40, MG, 1, date(2025, 6, 1), date(2025, 8, 10)
                    ),
                ),
            )
        ),
        # P12: IFX q6w -> q8w on 6 May 2024; ileocaecal resection 10 Jun 2025 (after a year).
        Case(
            patient_record(
                12,
                (
                    statement(IFX, 5, 42, date(2022, 11, 7), date(2024, 5, 6)),
                    statement(IFX, 5, 56, date(2024, 5, 6)),
                ),
                events=(
                    ClinicalEvent(
                        None, EventKind.SURGERY, date(2025, 6, 10), "Ileocaecal resection", True
                    ),
                ),
            )
        ),
    ]


NOW = datetime(2026, 11, 24, 8, 0)


def write(db, cases: list[Case]) -> None:
    """Store *cases* as the importer and the meeting screens would have."""
    with db.write() as session:
        chair = session.execute(
            insert(ClinicianRow).returning(ClinicianRow.id),
            [{"name": "Dr Chair (TEST)", "role": "ibd_consultant", "created_at": NOW}],
        ).scalar_one()
        meetings: dict[date, int] = {}
        for case in cases:
            record = case.record
            patient_id = session.execute(
                insert(PatientRow).returning(PatientRow.id),
                [patient_columns(record.patient, NOW)],
            ).scalar_one()
            for period in record.medications:
                session.execute(
                    insert(MedicationPeriodRow), [medication_columns(period, patient_id, "t", NOW)]
                )
            if record.observations:
                session.execute(
                    insert(ObservationRow),
                    [observation_columns(o, patient_id, NOW) for o in record.observations],
                )
            for clinical_event in record.events:
                session.execute(
                    insert(ClinicalEventRow), [event_columns(clinical_event, patient_id, "t", NOW)]
                )
            for dose in record.administrations:
                session.execute(
                    insert(AdministrationRow),
                    [
                        {
                            "patient_id": patient_id,
                            "drug": dose.drug.value,
                            "given_on": dose.given_on,
                            "dose_value": dose.dose_value,
                            "dose_unit": dose.dose_unit.value if dose.dose_unit else None,
                            "source": "t",
                            "created_at": NOW,
                        }
                    ],
                )
            reviews = [(d, "discussed") for d in case.reviews]
            reviews += [(d, "pending") for d in case.pending_reviews]
            for day, status in reviews:
                if day not in meetings:
                    meetings[day] = session.execute(
                        insert(MeetingRow).returning(MeetingRow.id),
                        [
                            {
                                "meeting_date": day,
                                "chair_id": chair,
                                "status": "in_progress",  # signed off, it would be read-only
                                "started_at": datetime.combine(day, NOW.time()),
                                "created_at": NOW,
                            }
                        ],
                    ).scalar_one()
                position = len(meetings)  # unique enough for one patient per meeting here
                session.execute(
                    insert(CaseReviewRow),
                    [
                        {
                            "meeting_id": meetings[day],
                            "patient_id": patient_id,
                            "position": position,
                            "status": status,
                            "created_at": NOW,
                        }
                    ],
                )
