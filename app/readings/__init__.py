"""Follow-up readings: a dated set of domain scores, never overwritten (DESIGN §3 Reading)."""
