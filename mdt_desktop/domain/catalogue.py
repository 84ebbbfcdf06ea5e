"""Facts about drugs and analytes that the rules need: class, route, molecule, canonical unit.

These are reference facts, not thresholds: thresholds live in resources/thresholds.toml.
"""

from __future__ import annotations

from dataclasses import dataclass

from mdt_desktop.domain.enums import Analyte, DoseUnit, Drug, DrugClass


@dataclass(frozen=True, slots=True)
class DrugInfo:
    """What the program knows about one drug."""

    label: str
    drug_class: DrugClass
    molecule: str
    route: str
    atc: str
    dose_units: tuple[DoseUnit, ...]
    level_analyte: Analyte | None = None


_MG = (DoseUnit.MG,)
_MG_OR_KG = (DoseUnit.MG, DoseUnit.MG_PER_KG)
DRUGS: dict[Drug, DrugInfo] = {
    Drug.INFLIXIMAB_IV: DrugInfo(
        "Infliximab IV",
        DrugClass.ANTI_TNF,
        "infliximab",
        "iv",
        "L04AB02",
        (DoseUnit.MG_PER_KG,),
        Analyte.INFLIXIMAB_LEVEL,
    ),
    Drug.INFLIXIMAB_SC: DrugInfo(
        "Infliximab SC",
        DrugClass.ANTI_TNF,
        "infliximab",
        "sc",
        "L04AB02",
        _MG,
        Analyte.INFLIXIMAB_LEVEL,
    ),
    Drug.ADALIMUMAB: DrugInfo(
        "Adalimumab",
        DrugClass.ANTI_TNF,
        "adalimumab",
        "sc",
        "L04AB04",
        _MG,
        Analyte.ADALIMUMAB_LEVEL,
    ),
    Drug.GOLIMUMAB: DrugInfo("Golimumab", DrugClass.ANTI_TNF, "golimumab", "sc", "L04AB06", _MG),
    Drug.CERTOLIZUMAB: DrugInfo(
        "Certolizumab pegol", DrugClass.ANTI_TNF, "certolizumab", "sc", "L04AB05", _MG
    ),
    Drug.VEDOLIZUMAB: DrugInfo(
        "Vedolizumab", DrugClass.OTHER_BIOLOGIC, "vedolizumab", "iv", "L04AG05", _MG
    ),
    Drug.USTEKINUMAB: DrugInfo(
        "Ustekinumab",
        DrugClass.OTHER_BIOLOGIC,
        "ustekinumab",
        "sc",
        "L04AC05",
        (DoseUnit.MG, DoseUnit.MG_PER_KG),
    ),
    Drug.RISANKIZUMAB: DrugInfo(
        "Risankizumab", DrugClass.OTHER_BIOLOGIC, "risankizumab", "sc", "L04AC18", _MG
    ),
    Drug.TOFACITINIB: DrugInfo(
        "Tofacitinib", DrugClass.SMALL_MOLECULE, "tofacitinib", "oral", "L04AF01", _MG
    ),
    Drug.UPADACITINIB: DrugInfo(
        "Upadacitinib", DrugClass.SMALL_MOLECULE, "upadacitinib", "oral", "L04AF03", _MG
    ),
    # Thiopurines are usually prescribed per kilogram a day (docs/clinical.md, "Dosing").
    Drug.AZATHIOPRINE: DrugInfo(
        "Azathioprine", DrugClass.IMMUNOMODULATOR, "azathioprine", "oral", "L04AX01", _MG_OR_KG
    ),
    Drug.MERCAPTOPURINE: DrugInfo(
        "Mercaptopurine",
        DrugClass.IMMUNOMODULATOR,
        "mercaptopurine",
        "oral",
        "L01BB02",
        _MG_OR_KG,
    ),
    Drug.METHOTREXATE: DrugInfo(
        "Methotrexate", DrugClass.IMMUNOMODULATOR, "methotrexate", "sc", "L04AX03", _MG
    ),
    Drug.PREDNISOLONE: DrugInfo(
        "Prednisolone", DrugClass.SYSTEMIC_STEROID, "prednisolone", "oral", "H02AB06", _MG
    ),
    Drug.HYDROCORTISONE: DrugInfo(
        "Hydrocortisone IV", DrugClass.SYSTEMIC_STEROID, "hydrocortisone", "iv", "H02AB09", _MG
    ),
    Drug.METHYLPREDNISOLONE: DrugInfo(
        "Methylprednisolone",
        DrugClass.SYSTEMIC_STEROID,
        "methylprednisolone",
        "iv",
        "H02AB04",
        _MG,
    ),
    Drug.BUDESONIDE: DrugInfo(
        "Budesonide", DrugClass.LOCAL_STEROID, "budesonide", "oral", "A07EA06", _MG
    ),
}


@dataclass(frozen=True, slots=True)
class AnalyteInfo:
    """Display name and canonical unit of an analyte (docs/architecture.md, "Command line")."""

    label: str
    unit: str
    short: str


ANTIBODY_UNIT = "assay unit"

ANALYTES: dict[Analyte, AnalyteInfo] = {
    Analyte.FAECAL_CALPROTECTIN: AnalyteInfo("Faecal calprotectin", "ug/g", "FCP"),
    Analyte.CRP: AnalyteInfo("C-reactive protein", "mg/L", "CRP"),
    Analyte.WBC: AnalyteInfo("White cell count", "10^9/L", "WBC"),
    Analyte.HAEMOGLOBIN: AnalyteInfo("Haemoglobin", "g/dL", "Hb"),
    Analyte.ALBUMIN: AnalyteInfo("Albumin", "g/L", "Alb"),
    Analyte.INFLIXIMAB_LEVEL: AnalyteInfo("Infliximab trough", "ug/mL", "IFX"),
    Analyte.ADALIMUMAB_LEVEL: AnalyteInfo("Adalimumab trough", "ug/mL", "ADA"),
    Analyte.ANTI_DRUG_ANTIBODIES: AnalyteInfo("Anti-drug antibodies", ANTIBODY_UNIT, "ADAb"),
    Analyte.HBI: AnalyteInfo("Harvey-Bradshaw Index", "score", "HBI"),
    Analyte.PARTIAL_MAYO: AnalyteInfo("Partial Mayo score", "score", "pMayo"),
    Analyte.SCCAI: AnalyteInfo("SCCAI", "score", "SCCAI"),
    Analyte.IUS_BOWEL_WALL_MM: AnalyteInfo("IUS bowel wall thickness", "mm", "BWT"),
    Analyte.IUS_LIMBERG: AnalyteInfo("IUS Limberg grade", "grade", "Limberg"),
    Analyte.SES_CD: AnalyteInfo("SES-CD", "score", "SES-CD"),
    Analyte.MAYO_ENDOSCOPIC: AnalyteInfo("Mayo endoscopic subscore", "score", "MES"),
    Analyte.UCEIS: AnalyteInfo("UCEIS", "score", "UCEIS"),
}

DRUG_LEVEL_ANALYTES = (Analyte.INFLIXIMAB_LEVEL, Analyte.ADALIMUMAB_LEVEL)

# Abbreviations for tight columns and dose-strip bars.
ABBREVIATIONS: dict[Drug, str] = {
    Drug.INFLIXIMAB_IV: "IFX",
    Drug.INFLIXIMAB_SC: "IFX SC",
    Drug.ADALIMUMAB: "ADA",
    Drug.GOLIMUMAB: "GOL",
    Drug.CERTOLIZUMAB: "CZP",
    Drug.VEDOLIZUMAB: "VDZ",
    Drug.USTEKINUMAB: "UST",
    Drug.RISANKIZUMAB: "RZB",
    Drug.TOFACITINIB: "TOF",
    Drug.UPADACITINIB: "UPA",
    Drug.AZATHIOPRINE: "AZA",
    Drug.MERCAPTOPURINE: "6-MP",
    Drug.METHOTREXATE: "MTX",
    Drug.PREDNISOLONE: "Pred",
    Drug.HYDROCORTISONE: "HC",
    Drug.METHYLPREDNISOLONE: "IVMP",
    Drug.BUDESONIDE: "Bud",
}


_UNIT_TEXT = (("10^9/L", "×10⁹/L"), ("ug/", "µg/"), ("{eq}", " eq"))  # {eq}: UCUM annotation


def display_unit(text: str) -> str:
    """Return units as people read them: ``ug/mL`` -> ``µg/mL``, ``10^9/L`` -> ``×10⁹/L``.

    Stored units stay ASCII (they are part of the CLI and import contracts); screens and
    documents show these forms. Works on whole sentences too.
    """
    for stored, shown in _UNIT_TEXT:
        text = text.replace(stored, shown)
    return text


def canonical_unit(analyte: Analyte) -> str:
    """Return the unit observations of *analyte* are stored in."""
    return ANALYTES[analyte].unit


def molecule_of(name: str | None) -> str | None:
    """The molecule a drug code or name stands for, whatever the route or product.

    ``infliximab_iv``, ``infliximab_sc`` and ``infliximab`` are all ``infliximab``: levels,
    antibodies, the checklist, the chase list and the audit treat one molecule as one drug
    (docs/clinical.md, "One drug identity"). A name the catalogue does not know is returned
    as written (lower case); an empty one is None.
    """
    text = (name or "").strip().lower()
    if not text:
        return None
    for drug, info in DRUGS.items():
        if text in (drug.value, info.molecule):
            return info.molecule
    return text


def same_molecule(a: str | None, b: str | None) -> bool:
    """True when *a* and *b* name the same molecule (either route, any product)."""
    first, second = molecule_of(a), molecule_of(b)
    return first is not None and first == second


def is_anti_tnf(drug: Drug) -> bool:
    """True for infliximab (IV or SC), adalimumab, golimumab and certolizumab."""
    return DRUGS[drug].drug_class is DrugClass.ANTI_TNF
