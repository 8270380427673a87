"""The Shapes view: learned payload shapes per event type (inspector/core/shapes)."""
