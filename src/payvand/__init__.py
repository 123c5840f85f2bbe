"""Payvand: survivor protection, assistance and reintegration across borders."""

__version__ = "0.1.0"
