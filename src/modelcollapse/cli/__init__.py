"""Command line: one module per command; each only parses and calls the library."""
