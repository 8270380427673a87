"""Dialogs for acting on events: replay, edit and send, export, import, diff, response rules."""
