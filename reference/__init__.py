"""Instructor solutions, one module per assignment; never shipped to students."""
