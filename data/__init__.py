"""The schema that ships inside the wheel as huidesk.data."""
