"""The course's assignments: one folder each, with stub, statement, spec, checks and fixtures."""
