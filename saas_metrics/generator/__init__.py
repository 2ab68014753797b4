"""Synthetic SaaS company data in the shape of the raw landing contract."""

from .core import generate

__all__ = ["generate"]
