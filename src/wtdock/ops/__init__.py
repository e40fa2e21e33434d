"""Applying plans to the world: each module is one family of commands. Results are data."""
