"""Use cases: load through queries, decide with the domain, persist through the session.
Services take the session explicitly and flush; the API layer commits."""
