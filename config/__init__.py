"""Settings structs (msgspec) and the default YAML files."""
