"""Qt widgets: they render state and send intents; the work happens in workers/ and the core."""
