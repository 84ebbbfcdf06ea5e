"""What the screen remembers between sessions (QSettings; tests give it a temporary file)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from mdt_desktop.plots.case_plots import TimeWindow


class ViewSettings:
    """Typed access to the remembered user, time window, blood counts, room screen, layout."""

    def __init__(self, path: Path | None = None) -> None:
        self._store = QSettings(str(path), QSettings.Format.IniFormat) if path else QSettings()

    def user_id(self, database: str) -> int | None:
        value = self._store.value(f"users/{_key(database)}")
        try:
            return int(value) if value is not None else None
        except (TypeError, ValueError):
            return None

    def set_user_id(self, database: str, clinician_id: int | None) -> None:
        self._store.setValue(f"users/{_key(database)}", clinician_id)

    def window(self) -> TimeWindow:
        try:
            return TimeWindow(str(self._store.value("plots/window", TimeWindow.TWO_YEARS.value)))
        except ValueError:
            return TimeWindow.TWO_YEARS

    def set_window(self, window: TimeWindow) -> None:
        self._store.setValue("plots/window", window.value)

    def blood_counts(self) -> bool:
        return str(self._store.value("plots/blood_counts", "false")).lower() == "true"

    def set_blood_counts(self, shown: bool) -> None:
        self._store.setValue("plots/blood_counts", "true" if shown else "false")

    def room_screen(self) -> bool:
        """True when the shared screen shows initials and hospital numbers only."""
        return str(self._store.value("presentation/room_screen", "false")).lower() == "true"

    def set_room_screen(self, on: bool) -> None:
        self._store.setValue("presentation/room_screen", "true" if on else "false")

    def export_folder(self) -> Path | None:
        value = self._store.value("export/folder")
        return Path(str(value)) if value else None

    def set_export_folder(self, folder: Path) -> None:
        self._store.setValue("export/folder", str(folder))

    def import_folder(self) -> Path | None:
        value = self._store.value("import/folder")
        return Path(str(value)) if value else None

    def set_import_folder(self, folder: Path) -> None:
        self._store.setValue("import/folder", str(folder))

    def cost_per_administration(self) -> float | None:
        """The cost of one infusion or injection for the outcome audit (None: not set)."""
        try:
            value = float(str(self._store.value("audit/cost_per_administration", "0")))
        except ValueError:
            return None
        return value if value > 0 else None

    def set_cost_per_administration(self, cost: float | None) -> None:
        self._store.setValue("audit/cost_per_administration", str(cost or 0))

    def state(self, name: str) -> QByteArray | None:
        value = self._store.value(f"layout/{name}")
        return value if isinstance(value, QByteArray) else None

    def set_state(self, name: str, state: QByteArray) -> None:
        self._store.setValue(f"layout/{name}", state)

    def sync(self) -> None:
        self._store.sync()


def _key(database: str) -> str:
    # The remembered user belongs to one roster, i.e. one database.
    return "".join(ch if ch.isalnum() else "_" for ch in database)[-120:]
