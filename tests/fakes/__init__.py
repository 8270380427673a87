"""Executable stand-ins for the tunnel tools (`cloudflared`, `ngrok`) and what they need."""
