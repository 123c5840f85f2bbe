"""Helpers for the test suite: factories and settings. Not imported by the app."""
