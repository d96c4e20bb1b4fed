"""Operators that drive a release: Amplitude, LaunchDarkly, Aha! and Cryptlex."""
