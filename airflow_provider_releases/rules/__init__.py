"""
The rule book: each vendor's documented constraints, stated once.

One module per vendor holds the forms its API accepts, the statuses it answers with, and how to
read a release's state; every other layer calls these. A check returns the wire form or raises
:class:`~airflow_provider_releases.exceptions.InvalidParameterError`.
"""
