"""Core records of the console; the task framework adds its own here."""
