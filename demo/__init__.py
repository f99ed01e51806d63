"""The demo: fictional platforms, customers and payments with a real case of every question ops
staff and platforms ask, the demo staff, and the commands that seed them (`seed_demo`) and print
the demo people's sign-in code (`demo_second_factor_code`).

Installed only for development and the tests (DEBUG on, config/settings.py): production does
not have it, so neither its commands nor its logins can reach a real database.
"""
