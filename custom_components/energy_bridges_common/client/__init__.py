"""Protocol helpers with no Home Assistant imports, as a published library would be."""
