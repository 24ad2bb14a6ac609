"""The request layer: the route class, idempotency, middleware, CSRF and problem documents:
what every room's routes and pages stand on (STYLE.md, "The house")."""
