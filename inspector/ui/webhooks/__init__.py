"""The Webhooks panel: profiles, registered webhooks and their dialogs, the tunnel status."""
