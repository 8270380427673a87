"""The main window: its layout, menus and actions, status bar, forwarding controls."""
