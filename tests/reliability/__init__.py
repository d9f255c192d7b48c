"""Reliability and security suite: faults, bad input, secret canaries, read-only, concurrency."""
