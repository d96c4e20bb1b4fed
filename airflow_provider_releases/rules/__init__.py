"""
The rule book: each vendor's documented constraints, stated once, for every other layer to call.

A check returns the wire form or raises :class:`~airflow_provider_releases.exceptions.InvalidParameterError`.
"""
