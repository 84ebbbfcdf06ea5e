"""Which analyte, drug, procedure or stop reason a code or name stands for.

Everything comes from ``resources/lab_codes.toml`` and, added on top, the site's own
``lab_codes.toml`` in the user configuration folder: LOINC codes (each with its long name,
component, property and how it was verified, docs/clinical.md, "Lab codes"), local codes, test
names, plausibility ranges, medication and procedure codes, and the reasons a medication was
stopped (docs/clinical.md, "Medication episodes"). An unknown code is never guessed: the reader
reports it with where it occurs. Anti-drug antibodies name the molecule they are against
(``infliximab``, whatever the route; docs/clinical.md, "One drug identity").
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mdt_desktop.domain.catalogue import DRUGS, molecule_of
from mdt_desktop.domain.enums import Analyte, Drug, EndReason, EventKind
from mdt_desktop.domain.errors import ConfigurationError

LOINC = "http://loinc.org"
LOINC_NAMES = ("LN", "LOINC", LOINC)  # HL7 v2 coding-system names and the FHIR system URL
SNOMED = "http://snomed.info/sct"
SNOMED_NAMES = ("SCT", "SNOMED", "SNOMEDCT", SNOMED)
ATC = "http://www.whocc.no/atc"
ATC_NAMES = ("ATC", ATC)
ANY_SYSTEM = "*"


LOINC_CODE = re.compile(r"^(\d{1,7})-(\d)$")
VERIFICATION = ("verified:", "partly verified:", "unverified:")
MOLECULES = frozenset(info.molecule for info in DRUGS.values())


@dataclass(frozen=True, slots=True)
class LoincCode:
    """A LOINC code as lab_codes.toml ``[loinc]`` describes it (docs/clinical.md, "Lab codes")."""

    code: str
    long_name: str
    component: str
    loinc_property: str  # MCnc, MCnt, NCnc, ACnc, ...: checked against each result's unit
    verification: str  # "verified: <where>", "partly verified: <what>" or "unverified: <why>"

    @property
    def verified(self) -> bool:
        return self.verification.startswith("verified:")


@dataclass(frozen=True, slots=True)
class Mapping:
    """What a lab code means: the analyte and, for antibodies, the molecule they are against.

    ``loinc`` describes the LOINC code the mapping came from (None for local codes and names).
    """

    analyte: Analyte
    target_drug: str | None = None
    loinc: LoincCode | None = None


@dataclass(frozen=True, slots=True)
class StopCode:
    """What a SNOMED CT stop-reason code means, and how that was verified."""

    reason: EndReason
    verification: str


PANELS = frozenset({"58410-2"})  # order codes (CBC panel): never a result


@dataclass(frozen=True, slots=True)
class ProcedureMapping:
    """What a procedure code puts on the timeline."""

    kind: EventKind
    resection: bool | None = None


@dataclass(frozen=True)
class CodeTable:
    """The site's code mappings (shipped and site lab_codes.toml)."""

    local: dict[tuple[str, str], Mapping]
    names: dict[str, Mapping]
    plausible: dict[Analyte, tuple[float, float]]
    medication_codes: dict[str, Drug]
    medication_names: dict[str, Drug]
    procedures: dict[str, ProcedureMapping]
    loinc: dict[str, Mapping] = field(default_factory=dict)
    stop_codes: dict[str, StopCode] = field(default_factory=dict)
    stop_phrases: dict[str, EndReason] = field(default_factory=dict)

    def analyte(self, system: str | None, code: str | None, name: str | None) -> Mapping | None:
        """The mapping of a result's code (LOINC or local) or, failing that, its name."""
        code = (code or "").strip()
        system = (system or "").strip()
        if code:
            if system in LOINC_NAMES or (not system and code in self.loinc):
                found = self.loinc.get(code)
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

    def stop_code(self, system: str | None, code: str | None) -> StopCode | None:
        """The stop reason a SNOMED CT code stands for (FHIR statusReason), if configured."""
        if (system or "").strip() not in (*SNOMED_NAMES, ""):
            return None
        return self.stop_codes.get((code or "").strip())

    def stop_phrases_in(self, text: str | None) -> set[EndReason]:
        """Every stop reason whose configured phrase occurs in *text* (compared in lower case).

        A phrase inside a longer phrase that also occurs does not count: "not in remission"
        is not "remission".
        """
        words = _name_key(text)
        found = [phrase for phrase in self.stop_phrases if phrase in words]
        return {
            self.stop_phrases[phrase]
            for phrase in found
            if not any(phrase != longer and phrase in longer for longer in found)
        }


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
    loinc = _loinc(data.get("loinc", {}), problems)
    stops = data.get("stop_reasons", {})
    stop_codes = _stop_codes(stops.get("snomed", {}), problems)
    stop_phrases = _stop_phrases(stops.get("phrases", {}), problems)
    if problems:
        raise ConfigurationError(f"{path}: " + "; ".join(problems))
    return CodeTable(
        local, names, plausible, codes, drug_names, procedures, loinc, stop_codes, stop_phrases
    )


def _mapping(spec: Any, key: str, problems: list[str]) -> Mapping | None:
    fields = {"analyte": spec} if isinstance(spec, str) else spec
    try:
        analyte = Analyte(fields["analyte"])
        target = _molecule(fields.get("target_drug"))
    except (KeyError, ValueError, TypeError, AttributeError):
        problems.append(f"{key}: needs a known analyte (and target_drug, if any): {spec!r}")
        return None
    return Mapping(analyte, target)


def _molecule(target: Any) -> str | None:
    """The molecule an antibody mapping names (``infliximab_iv`` is ``infliximab``).

    Raises ValueError for a name that is no drug of the catalogue.
    """
    if target is None or target == "":
        return None
    molecule = molecule_of(target) if isinstance(target, str) else None
    if molecule not in MOLECULES:
        raise ValueError(target)
    return molecule


def check_digit_ok(code: str) -> bool:
    """Whether a LOINC code's check digit (after the hyphen) is right: the mod 10 algorithm."""
    match = LOINC_CODE.match(code)
    if match is None:
        return False
    digits = [int(d) for d in match.group(1) + match.group(2)]
    total = 0
    for position, digit in enumerate(reversed(digits)):
        doubled = digit * 2 if position % 2 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


def _loinc(section: dict[str, Any], problems: list[str]) -> dict[str, Mapping]:
    """``[loinc."<code>"]``: analyte, target_drug, long_name, component, property, verification."""
    found: dict[str, Mapping] = {}
    for code, spec in section.items():
        key = f"loinc.{code}"
        if not check_digit_ok(str(code)):
            problems.append(f"{key}: not a LOINC code (NNNNN-N with a valid check digit)")
            continue
        mapping = _mapping(spec, key, problems) if isinstance(spec, dict) else None
        if mapping is None:
            if not isinstance(spec, dict):
                problems.append(f"{key}: expected a table with analyte, long_name, ...")
            continue
        texts = {name: spec.get(name) for name in ("long_name", "component", "property")}
        verification = spec.get("verification")
        missing = [name for name, value in texts.items() if not isinstance(value, str) or not value]
        if missing:
            problems.append(f"{key}: needs {', '.join(missing)}")
            continue
        if not isinstance(verification, str) or not verification.startswith(VERIFICATION):
            problems.append(
                f"{key}: verification must start with 'verified:', 'partly verified:' or "
                "'unverified:' and say where or why"
            )
            continue
        entry = LoincCode(
            str(code), texts["long_name"], texts["component"], texts["property"], verification
        )
        found[str(code)] = Mapping(mapping.analyte, mapping.target_drug, entry)
    return found


def _stop_codes(section: dict[str, Any], problems: list[str]) -> dict[str, StopCode]:
    codes: dict[str, StopCode] = {}
    for code, spec in section.items():
        try:
            verification = spec["verification"]
            if not isinstance(verification, str) or not verification.startswith(VERIFICATION):
                raise ValueError(verification)
            codes[str(code)] = StopCode(EndReason(spec["reason"]), verification)
        except (KeyError, ValueError, TypeError):
            problems.append(
                f"stop_reasons.snomed.{code}: needs a known reason and a verification "
                f"('verified: <where>' or 'unverified: <why>'): {spec!r}"
            )
    return codes


def _stop_phrases(section: dict[str, Any], problems: list[str]) -> dict[str, EndReason]:
    phrases: dict[str, EndReason] = {}
    for phrase, reason in section.items():
        key = _name_key(str(phrase))
        try:
            if not key or key != str(phrase):
                raise ValueError(phrase)
            phrases[key] = EndReason(reason)
        except ValueError:
            problems.append(
                f"stop_reasons.phrases.{phrase}: needs a lower-case phrase and a known reason "
                f"({', '.join(r.value for r in EndReason)}): {reason!r}"
            )
    return phrases


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
