"""The run context: every setting a command reads from outside its own arguments, resolved once.

:meth:`Context.from_sources` is the only place that reads these environment variables; the CLI builds one
context per command (``conformance.cli.main``) and the commands hand the values it loads to the stages.

Precedence, for every setting: **command-line flag > environment variable > default**.

* mirror: ``--mirror DIR`` > ``$SPEC_MIRROR`` (set but empty: no mirror) > ``../shared/upstream`` beside the
  project when it exists and neither ``$SPEC_BASE_URL`` nor ``$GITHUB_API_URL`` names a network source > none
  (the network). A mirror is laid out as ``DIR/{repo}/{ref}/{path}`` plus ``DIR/{repo}/INDEX.json``;
* raw file URL: ``$SPEC_BASE_URL`` > ``https://raw.githubusercontent.com``;
* GitHub API: ``$GITHUB_API_URL`` > ``https://api.github.com``; token: ``$GITHUB_TOKEN`` > none;
* API key: the variable named by ``--api-key-env NAME`` > ``$AIMLAPI_KEY`` > none (a live target is refused);
* debug (tracebacks): ``--debug`` > ``$CONFORMANCE_DEBUG`` > off;
* project root and cache: ``$CONFORMANCE_ROOT`` > the checkout; ``$CONFORMANCE_CACHE`` > ``<root>/.cache``
  (read by :mod:`conformance.paths`, the one module every layer may use).

Keys and tokens are held with ``repr=False``: they never appear in a repr, a log line or a report.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from conformance import paths
from conformance.errors import InputError
from conformance.inputs import DocPages, Spec, SpecPair

if TYPE_CHECKING:
    from conformance.load.fetch import Fetcher
    from conformance.load.specs import Variant

RAW_BASE = "https://raw.githubusercontent.com"
API_BASE = "https://api.github.com"
DEFAULT_KEY_ENV = "AIMLAPI_KEY"
MIRROR_LAYOUT = (
    "<repo>/<ref>/<path>, i.e. DIR/{repo}/{ref}/{path} (e.g. DIR/aimlapi/api-docs/main/docs/...), "
    "plus DIR/{repo}/INDEX.json for histories"
)


def _flag(flags: Any, name: str) -> Any:
    return getattr(flags, name, None) if not isinstance(flags, Mapping) else flags.get(name)


@attrs.frozen
class Context:
    """Settings resolved from flags, environment and defaults (see the module docstring for the precedence)."""

    mirror: Path | None = None
    spec_base_url: str = RAW_BASE
    github_api_url: str = API_BASE
    github_token: str | None = attrs.field(default=None, repr=False)
    api_key_env: str = DEFAULT_KEY_ENV
    api_key: str | None = attrs.field(default=None, repr=False)
    debug: bool = False

    @classmethod
    def from_sources(cls, flags: Any = None, env: Mapping[str, str] | None = None) -> Context:
        """Resolve every setting: a flag (``flags``: an argparse namespace or a mapping) wins over the environment
        (``env``, default ``os.environ``), which wins over the default. A ``--mirror`` or ``SPEC_MIRROR`` that is
        not a directory is a usage error (exit 2), raised before any work."""
        env = os.environ if env is None else env
        mirror_flag = _flag(flags, "mirror")
        network_named = bool(env.get("SPEC_BASE_URL") or env.get("GITHUB_API_URL"))
        chosen: str | Path | None
        if mirror_flag is not None:
            chosen = mirror_flag
        elif "SPEC_MIRROR" in env:
            chosen = env["SPEC_MIRROR"] or None
        elif not network_named and paths.default_mirror().is_dir():
            chosen = paths.default_mirror()
        else:
            chosen = None
        mirror = Path(chosen).resolve() if chosen else None
        if mirror is not None and not mirror.is_dir():
            raise InputError(
                f"mirror {mirror}: expected a directory laid out as {MIRROR_LAYOUT}, found nothing there",
                hint="set SPEC_MIRROR or --mirror to e.g. ../shared/upstream",
            )
        key_env = _flag(flags, "api_key_env")
        key_env = key_env if isinstance(key_env, str) and key_env else DEFAULT_KEY_ENV
        return cls(
            mirror=mirror,
            spec_base_url=env.get("SPEC_BASE_URL") or RAW_BASE,
            github_api_url=env.get("GITHUB_API_URL") or API_BASE,
            github_token=(env.get("GITHUB_TOKEN") or "").strip() or None,
            api_key_env=key_env,
            api_key=(env.get(key_env) or "").strip() or None,
            debug=bool(_flag(flags, "debug")) or bool(env.get("CONFORMANCE_DEBUG")),
        )

    # -- what the load layer builds from it ------------------------------------------------------------
    def fetcher(self, **kwargs: Any) -> Fetcher:
        """The fetcher for upstream files: the mirror when there is one, else the network."""
        from conformance.load.fetch import Fetcher  # httpx is imported only by commands that fetch

        kwargs.setdefault("base_url", self.spec_base_url)
        kwargs.setdefault("api_url", self.github_api_url)
        return Fetcher(mirror=self.mirror, **kwargs)

    def spec(self, variant: Variant = "normalised") -> Spec:
        """The pinned spec, ``published``, ``cosmetic`` or ``normalised`` (a fresh copy)."""
        from conformance.load.specs import load_spec

        return load_spec(variant, self.fetcher())

    def specs(self) -> SpecPair:
        """The published/normalised pair every stage that checks traffic or pages is handed."""
        from conformance.load.specs import spec_pair

        return spec_pair(self.fetcher())

    def doc_pages(self, local: tuple[str, ...] | list[str], *, pinned: bool) -> DocPages:
        """The pinned doc pages (unless ``pinned`` is False) and the local ones."""
        from conformance.load.pages import resolve

        return resolve(local, pinned=pinned, fetcher=self.fetcher)
