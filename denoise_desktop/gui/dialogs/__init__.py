"""Dialogs: errors, About, model import."""
