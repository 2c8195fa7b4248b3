"""The channel API (/api/v1): 12345, 110, grid and platform systems push and poll cases."""
