"""Sensors that wait for release states: a LaunchDarkly phase, an Aha! shipment, a Cryptlex publication."""
