"""The one output layer: results in, tables / TSV / JSON out (see ``render``)."""
