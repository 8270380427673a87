"""Running a tunnel (cloudflared, ngrok) for the listener ourselves, and keeping up with its URL.

- `tools`: where the tool is, or how to install it.
- `supervisor`: runs it, reads its public URL, restarts it when it dies, stops it for good.
- `health`: one request through the public URL that says whether it reaches this listener.
- `follow`: which registered webhooks point at the old tunnel URL, and their new URL.

Detecting a tunnel someone else started is inspector/core/tunnel.py; its readers of the agents'
local APIs are what `supervisor` uses too.
"""
