"""PySide6 widgets, dialogs and Qt item models. Views hold domain records, never ORM rows."""
