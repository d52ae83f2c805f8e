"""A validating proxy: forward chat completions to an upstream API unchanged, check them off the hot path."""
