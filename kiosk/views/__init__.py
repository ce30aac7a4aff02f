"""Blueprints, one per family of screens."""
