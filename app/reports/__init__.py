"""Anonymised reports for coordinators, with small-cell suppression (DESIGN §7)."""
