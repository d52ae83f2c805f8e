"""One module per subcommand. Each defines ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``.

Heavy imports stay inside ``run`` so that ``conformance --help`` is fast.
"""
