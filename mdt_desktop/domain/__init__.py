"""Plain-Python clinical domain: records, enums and rules. No Qt, SQLAlchemy or matplotlib."""
