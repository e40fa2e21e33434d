"""The pure planning core: config + ticket + allocations in, a Compose model out. No I/O."""
