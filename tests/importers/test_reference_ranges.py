"""The laboratory's reference range is kept as sent (HL7 v2.5.1 OBX-7, FHIR referenceRange) and,
for antibodies, read as the assay's own positivity limit (docs/clinical.md, "Antibodies")."""

from __future__ import annotations

import json

from mdt_desktop.domain.antibodies import AntibodyState, interpret
from mdt_desktop.domain.records import Observation
from mdt_desktop.importers.fhir_reader import parse_fhir
from mdt_desktop.importers.hl7_reader import parse_hl7
from mdt_desktop.importers.model import LabResult
from tests.importers.conftest import NOW

# An ORU^R01 (v2.5.1) from a drug-monitoring laboratory: an infliximab level and antibodies to
# infliximab under the laboratory's local code, OBX-7 holding the reference range and no OBX-8
# flag on the antibody (some laboratories flag only what they consider abnormal).
HL7 = "\r".join(
    [
        "MSH|^~\\&|TDMLAB|CITY HOSPITAL|MDT|IBD|20261102120000||ORU^R01^ORU_R01|TDM0001|P|2.5.1",
        "PID|1||FEEDR01^^^CITY^MR||Rowan^Demo||19840202|M",
        "OBR|1|ORD1|LAB1|TDM^Infliximab drug monitoring^L|||20261102080000",
        "OBX|1|NM|39803-2^Infliximab [Mass/volume] in Serum or Plasma^LN||5.1|ug/mL|3.0-7.0||||F|||"
        "20261102080000",
        "OBX|2|NM|ATI^Antibodies to infliximab^L||8|U/mL|<3.0||||F|||20261102080000",
    ]
)


def test_obx_7_is_kept_and_reads_an_unflagged_antibody(codes):
    parsed = parse_hl7(HL7, "tdm.hl7", codes, now=NOW)
    assert not parsed.problems, parsed.problems
    level, antibody = parsed.results
    assert level.reference_range == "3.0-7.0"
    assert antibody.reference_range == "<3.0"
    assert antibody.abnormal_flag is None
    # 8 U/mL against "<3.0": above the laboratory's normal range: detected.
    assert interpret(observation(antibody)).state is AntibodyState.DETECTED


def test_fhir_reference_range_is_kept_as_low_high(codes):
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000001",
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [{"type": {"coding": [{"code": "MR"}]}, "value": "FEEDR02"}],
                    "name": [{"family": "Rowan", "given": ["Demo"]}],
                    "gender": "male",
                    "birthDate": "1984-02-02",
                },
            },
            {
                "resource": {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {
                        "coding": [
                            {"system": "http://loinc.org", "code": "86895-0"},
                        ]
                    },
                    "subject": {"reference": "urn:uuid:00000000-0000-4000-8000-000000000001"},
                    "effectiveDateTime": "2026-11-02T08:00:00Z",
                    "valueQuantity": {
                        "value": 15,
                        "unit": "ng/mL",
                        "system": "http://unitsofmeasure.org",
                        "code": "ng/mL",
                    },
                    "referenceRange": [{"high": {"value": 20, "unit": "ng/mL"}}],
                },
            },
        ],
    }
    parsed = parse_fhir(json.dumps(bundle), "ehr.json", codes, now=NOW)
    (antibody,) = [r for r in parsed.results if isinstance(r, LabResult)]
    assert antibody.reference_range == "<=20"
    # 15 ng/mL, normal up to 20: not detected.
    assert interpret(observation(antibody)).state is AntibodyState.NOT_DETECTED


def observation(result: LabResult) -> Observation:
    return Observation(
        id=None,
        analyte=result.analyte,
        value=result.value,
        unit=result.unit,
        collected_at=result.collected_at,
        comparator=result.comparator,
        target_drug=result.target_drug,
        abnormal_flag=result.abnormal_flag,
        reference_range=result.reference_range,
    )
