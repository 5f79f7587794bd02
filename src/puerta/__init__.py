"""Puerta: advance submission and fair appointment scheduling at land ports of entry."""

__version__ = "0.1.0"
