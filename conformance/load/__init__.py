"""The load layer: fetch, lock, mirror with history, parse, overlay -> the values the stages are handed.

* :mod:`conformance.load.context`: settings from flags, environment and defaults, resolved once (precedence
  written there);
* :mod:`conformance.load.fetch`: the fetcher (mirror or raw URL), the lock, pinned files in the cache;
* :mod:`conformance.load.parse`: raw bytes -> an OpenAPI document (the only place raw JSON/YAML specs are read);
* :mod:`conformance.load.specs`: the published/normalised pair (:class:`conformance.inputs.SpecPair`);
* :mod:`conformance.load.pages`: the doc pages a run checks (:class:`conformance.inputs.DocPages`);
* :mod:`conformance.load.history` and :mod:`conformance.load.sources`: versions of a spec (git clone, GitHub
  API, mirror) named on the command line.

Only the CLI (``conformance.commands``) and this package import it; ``tests/test_architecture.py`` holds the
stages to that.
"""
