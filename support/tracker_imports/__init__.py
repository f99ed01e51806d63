"""Imports of other trackers' exports (Zendesk, Jira) as tickets and bugs: the file read
(`files`), recognised and mapped (`presets`), its rows checked (`checking`) and written
(`writing`, by the `import-tracker-file` task)."""
