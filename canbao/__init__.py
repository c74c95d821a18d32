"""canbao."""
