"""Public URLs: a tunnel (cloudflared, ngrok) for the listener, detected or run by us.

- `detect`: asks an agent someone else started for its public URL (and which port it points at).
- `tools`: where the tool is, or how to install it.
- `supervisor`: runs it, reads its public URL, restarts it when it dies, stops it for good.
- `health`: one request through the public URL that says whether it reaches this listener.
- `follow`: which registered webhooks point at the old tunnel URL, and their new URL.
"""
