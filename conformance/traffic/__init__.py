"""Recorded traffic: read VCR cassettes, HAR files and JSON Lines of exchanges, check them like `run` does."""
