"""The demo's embedded scenarios (real-looking inputs, shipped in the wheel)."""
