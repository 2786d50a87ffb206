"""Home Assistant helpers shared by the Home Energy Bridges integrations."""
