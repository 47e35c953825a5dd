"""Use cases, one service per command, and the ports they need."""
