"""The capture path: HTTP framing and the keep-alive server, token checks, the delivery handler."""
