"""
The rule book: each vendor's documented constraints, stated once.

One module per vendor holds the forms its API accepts (keys, ids, versions, lengths, enums,
field names), the status values it answers with, and how to read a release's state (which
phase is meant, whether it is complete, shipped or published). Hooks, operators, sensors,
triggers, the workflows and the sandbox all call these functions; none of them restates a
rule. Every check either returns the wire form or raises
:class:`~airflow_provider_releases.exceptions.InvalidParameterError` naming the parameter, the
value and the accepted form.
"""
