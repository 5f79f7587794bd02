"""Cross-port trend analysis: addresses, identities, bursts and shared-contact rings."""
