"""``duk demo``: a demo municipality for trying Duk out and for the browser tests.

The code is here; what it makes (units, users, the storied families, the distributions behind
the synthetic ones) is YAML data in ``data/``, like ``canvas_templates/`` and ``catalogue/``.
"""

from app.demo.municipality import DEMO_PASSWORD, DEMO_USERS, make_demo

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "make_demo"]
