"""The reward catalog."""
