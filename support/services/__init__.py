"""Writes to the support workspace, one module per concern: tickets (raising, replies, resolving),
triage, clocks (status changes and SLA markings), the rota, bugs and links. Support records are the
team's own, not payment data, so they change here directly; each change is kept in their history.

The reads and the arithmetic these writes rely on are the concern modules beside this package
(`support.clocks`, `support.rota`, `support.bugs`, `support.links`, `support.triage`), with
`support.selectors`. An import's own write step stays in its package
(`support.tracker_imports.writing`)."""
