"""Files: design files, report.json, exports to network simulators, golden netlists."""
