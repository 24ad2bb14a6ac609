"""The barrier register: rules and routines that stood in families' way, for the system level."""
