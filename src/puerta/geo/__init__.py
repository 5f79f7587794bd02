"""Where requests may come from."""
