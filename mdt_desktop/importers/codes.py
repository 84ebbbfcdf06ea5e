"""Which analyte, drug or procedure a code or name stands for.

The LOINC codes of CLINICAL.md §6.1 are built in; local codes, test names, plausibility ranges,
medication and procedure codes come from ``resources/lab_codes.toml`` and, added on top, the
site's own ``lab_codes.toml`` in the user configuration folder. An unknown code is never
guessed: the reader reports it with where it occurs.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mdt_desktop.domain.catalogue import DRUGS
from mdt_desktop.domain.enums import Analyte, Drug, EventKind
from mdt_desktop.domain.errors import ConfigurationError

LOINC = "http://loinc.org"
LOINC_NAMES = ("LN", "LOINC", LOINC)  # HL7 v2 coding-system names and the FHIR system URL
SNOMED = "http://snomed.info/sct"
SNOMED_NAMES = ("SCT", "SNOMED", "SNOMEDCT", SNOMED)
ATC = "http://www.whocc.no/atc"
ATC_NAMES = ("ATC", ATC)
ANY_SYSTEM = "*"


@dataclass(frozen=True, slots=True)
class Mapping:
    """What a lab code means: the analyte and, for antibodies, the drug they are against."""

    analyte: Analyte
    target_drug: Drug | None = None


# CLINICAL.md §6.1 (S93-S96; calprotectin, infliximab and adalimumab codes as seen in public
# code, to be confirmed at loinc.org). Antibodies have no LOINC code: map local codes.
BUILT_IN_LOINC: dict[str, Mapping] = {
    "1988-5": Mapping(Analyte.CRP),
    "30522-7": Mapping(Analyte.CRP),
    "6690-2": Mapping(Analyte.WBC),
    "718-7": Mapping(Analyte.HAEMOGLOBIN),
    "1751-7": Mapping(Analyte.ALBUMIN),
    "38445-3": Mapping(Analyte.FAECAL_CALPROTECTIN),
    "39803-2": Mapping(Analyte.INFLIXIMAB_LEVEL),
    "86896-8": Mapping(Analyte.INFLIXIMAB_LEVEL),
    "74117-3": Mapping(Analyte.ADALIMUMAB_LEVEL),
    "74116-5": Mapping(Analyte.ADALIMUMAB_LEVEL),
}
PANELS = frozenset({"58410-2"})  # order codes (CBC panel): never a result


@dataclass(frozen=True, slots=True)
class ProcedureMapping:
    """What a procedure code puts on the timeline."""

    kind: EventKind
    resection: bool | None = None


@dataclass(frozen=True)
class CodeTable:
    """The site's code mappings (built-in LOINC, shipped and site TOML)."""

    local: dict[tuple[str, str], Mapping]
    names: dict[str, Mapping]
    plausible: dict[Analyte, tuple[float, float]]
    medication_codes: dict[str, Drug]
    medication_names: dict[str, Drug]
    procedures: dict[str, ProcedureMapping]

    def analyte(self, system: str | None, code: str | None, name: str | None) -> Mapping | None:
        """The mapping of a result's code (LOINC or local) or, failing that, its name."""
        code = (code or "").strip()
        system = (system or "").strip()
        if code:
            if system in LOINC_NAMES or (not system and code in BUILT_IN_LOINC):
                found = BUILT_IN_LOINC.get(code)
                if found is not None:
                    return found
            found = self.local.get((system, code)) or self.local.get((ANY_SYSTEM, code))
            if found is not None:
                return found
        return self.names.get(_name_key(name)) if name else None

    def drug(
        self, system: str | None, code: str | None, text: str | None, dose_unit: str | None = None
    ) -> Drug | None:
        """The drug of a medication code (ATC, SNOMED CT) or name.

        Infliximab has one ATC code for both routes: a dose in mg/kg means intravenous.
        """
        system, code = (system or "").strip(), (code or "").strip()
        if code and system in ATC_NAMES:
            matches = [drug for drug, info in DRUGS.items() if info.atc == code]
            if len(matches) > 1 and dose_unit is not None:
                by_unit = [
                    d for d in matches if dose_unit in {u.value for u in DRUGS[d].dose_units}
                ]
                matches = by_unit or matches
            if matches:
                return matches[0]
        if code and (system in SNOMED_NAMES or not system):
            found = self.medication_codes.get(code)
            if found is not None:
                return found
        return self.medication_names.get(_name_key(text)) if text else None

    def procedure(self, code: str | None) -> ProcedureMapping | None:
        """The timeline event of a SNOMED CT procedure code."""
        return self.procedures.get((code or "").strip())

    def plausible_range(self, analyte: Analyte) -> tuple[float, float] | None:
        return self.plausible.get(analyte)


def _name_key(name: str | None) -> str:
    return " ".join((name or "").lower().split())


def load_code_table(shipped: Path, site: Path | None = None) -> CodeTable:
    """Read the shipped table and add the site's entries (raises ConfigurationError)."""
    data = _read(shipped)
    if site is not None and site.is_file():
        _merge(data, _read(site))
    return _build(data, site if site is not None and site.is_file() else shipped)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigurationError(f"{path}: cannot read the lab code table: {error}") from error


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _build(data: dict[str, Any], path: Path) -> CodeTable:
    problems: list[str] = []
    local = {
        (system, str(code)): mapping
        for system, codes in data.get("local", {}).items()
        for code, spec in codes.items()
        if (mapping := _mapping(spec, f"local.{system}.{code}", problems)) is not None
    }
    names = {
        _name_key(name): mapping
        for name, spec in data.get("names", {}).items()
        if (mapping := _mapping(spec, f"names.{name}", problems)) is not None
    }
    plausible = _plausible(data.get("plausible", {}), problems)
    medications = data.get("medications", {})
    codes = _drugs(medications.get("snomed", {}), "medications.snomed", problems)
    drug_names = {
        _name_key(k): v
        for k, v in _drugs(medications.get("names", {}), "medications.names", problems).items()
    }
    procedures = _procedures(data.get("procedures", {}).get("snomed", {}), problems)
    if problems:
        raise ConfigurationError(f"{path}: " + "; ".join(problems))
    return CodeTable(local, names, plausible, codes, drug_names, procedures)


def _mapping(spec: Any, key: str, problems: list[str]) -> Mapping | None:
    fields = {"analyte": spec} if isinstance(spec, str) else spec
    try:
        target = fields.get("target_drug")
        return Mapping(Analyte(fields["analyte"]), Drug(target) if target else None)
    except (KeyError, ValueError, TypeError, AttributeError):
        problems.append(f"{key}: needs a known analyte (and target_drug, if any): {spec!r}")
        return None


def _plausible(section: dict[str, Any], problems: list[str]) -> dict[Analyte, tuple[float, float]]:
    ranges: dict[Analyte, tuple[float, float]] = {}
    for name, bounds in section.items():
        try:
            low, high = (float(b) for b in bounds)
            if low > high:
                raise ValueError
            ranges[Analyte(name)] = (low, high)
        except (ValueError, TypeError):
            problems.append(f"plausible.{name}: needs a known analyte and [low, high]")
    return ranges


def _drugs(section: dict[str, Any], key: str, problems: list[str]) -> dict[str, Drug]:
    drugs: dict[str, Drug] = {}
    for code, name in section.items():
        try:
            drugs[str(code)] = Drug(name)
        except ValueError:
            problems.append(f"{key}.{code}: unknown drug {name!r}")
    return drugs


def _procedures(section: dict[str, Any], problems: list[str]) -> dict[str, ProcedureMapping]:
    procedures: dict[str, ProcedureMapping] = {}
    for code, spec in section.items():
        try:
            procedures[str(code)] = ProcedureMapping(EventKind(spec["kind"]), spec.get("resection"))
        except (KeyError, ValueError, TypeError):
            problems.append(f"procedures.snomed.{code}: needs a known kind: {spec!r}")
    return procedures
