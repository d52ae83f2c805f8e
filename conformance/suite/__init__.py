"""The conformance suite: exchanges with a server checked against the spec, as findings.

* :mod:`conformance.suite.exchange` - one request and its response, redacted, replayable;
* :mod:`conformance.suite.checks` - every check (schema, status, content type, semantics, streams, client);
* :mod:`conformance.suite.plugin` and ``test_conformance.py`` - the pytest suite (schemathesis + hypothesis);
* :mod:`conformance.suite.runner` - ``conformance run``: target, mock, pytest, baseline, reports.
"""
