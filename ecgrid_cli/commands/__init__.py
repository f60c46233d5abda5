"""One module per command group; each only parses, validates, calls the API, renders."""
