"""Settings, the sources file, the people file and the files that ship with Warta."""
