"""The documented data-set format (docs/data-formats.md): schema, files, import, export."""
