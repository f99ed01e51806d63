"""Writes to the audit trail, one module per concern: appending an event (`recording`, the
trail's one public write), archiving old events, checkpoints of where the chain had reached, the
record of each verification, and the daily review's marks and completion.

The trail is append-only: nothing here changes an event, and only archiving deletes, the oldest
stretch once it is safely in a file. The reads these writes rely on are the modules beside this
package (`audit.chain`, `audit.archive`, `audit.checkpoints`, `audit.verification`,
`audit.review`). Nothing here imports the task framework: it writes its steps through
`record_event`."""
