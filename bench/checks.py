"""Whether a generated database is internally consistent: every foreign key points at a row."""

FOREIGN_KEYS = """
    SELECT con.conrelid::regclass::text, child.attname, con.confrelid::regclass::text, parent.attname
    FROM pg_constraint con
    JOIN pg_attribute child ON child.attrelid = con.conrelid AND child.attnum = con.conkey[1]
    JOIN pg_attribute parent ON parent.attrelid = con.confrelid AND parent.attnum = con.confkey[1]
    WHERE con.contype = 'f' AND con.connamespace = 'public'::regnamespace AND array_length(con.conkey, 1) = 1
"""


def dangling_foreign_keys(connection) -> dict[str, int]:
    """`table.column → parent` for every foreign key some row breaks, with how many rows do."""
    broken = {}
    with connection.cursor() as cursor:
        cursor.execute(FOREIGN_KEYS)
        for table, column, parent, parent_column in cursor.fetchall():
            cursor.execute(
                f'SELECT count(*) FROM {table} child WHERE child."{column}" IS NOT NULL AND NOT EXISTS '
                f'(SELECT 1 FROM {parent} parent WHERE parent."{parent_column}" = child."{column}")'
            )
            if count := cursor.fetchone()[0]:
                broken[f"{table}.{column} → {parent}"] = count
    return broken


def audit_chain_intact() -> bool:
    """Whether the console's own walk of the audit trail finds every generated link intact."""
    from audit.verification import audit_chain_check

    return audit_chain_check().intact


def main(argv=None) -> None:
    import argparse
    import json

    parser = argparse.ArgumentParser(description="Check a generated database's consistency; prints JSON.")
    parser.add_argument("--database", required=True)
    arguments = parser.parse_args(argv)
    from bench.database import connect
    from bench.environment import django_setup_for

    django_setup_for(arguments.database)
    with connect(arguments.database) as connection:
        dangling = dangling_foreign_keys(connection)
    print(json.dumps({"dangling_foreign_keys": dangling, "audit_chain_intact": audit_chain_intact()}))


if __name__ == "__main__":
    main()
