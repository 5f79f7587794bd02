"""Proof of fairness: both draws over the same synthetic pools, compared per person."""
