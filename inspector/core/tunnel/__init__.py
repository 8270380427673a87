"""Public URLs: detecting a running ngrok/cloudflared agent."""
