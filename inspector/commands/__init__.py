"""Command-line subcommands: each module offers add_parser(subparsers, common) and run(args) -> int.

Modules here import only argparse-level things at the top; heavy imports (Qt, Werkzeug) go inside
run() so `--version` stays fast and `listen` never loads Qt.
"""


class UserError(Exception):
    """A mistake the user can fix (port taken, unreadable dir, bad option): one line, no traceback."""
