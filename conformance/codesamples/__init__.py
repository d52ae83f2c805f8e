"""Read the HTTP request a doc code sample sends: method, URL and JSON body.

Four forms, as the pages and the specs' ``x-codeSamples`` write them:

* Python ``requests`` (or ``httpx``): ``requests.post(URL, headers=..., json={...})``,
  ``data=json.dumps({...})``, ``requests.request("POST", URL, ...)``; read with :mod:`ast`,
  names bound to literals at module level are followed;
* JavaScript ``fetch(URL, {method, headers, body: JSON.stringify({...})})``; the object
  literal is read as JSON5 (comments, single quotes, unquoted keys, trailing commas);
  ``const`` names bound to literals are followed;
* cURL: ``curl [-X METHOD] [--url] URL [-d|--data|--data-raw|--data-binary|--json BODY]``;
* raw HTTP: ``POST /path HTTP/1.1`` + ``Host:`` header + body.

:func:`extract_request` returns an :class:`ExtractedRequest` or raises
:class:`SampleError` saying what it could not read and at which line of the sample.

Neutral ground: lint (the specs' ``x-codeSamples``) and the doc check (the pages' samples) both read samples
through this package; it imports neither of them.
"""

from conformance.codesamples.base import LANGUAGES, ExtractedRequest, SampleError, is_download, normalise_language
from conformance.codesamples.extract import extract_request

__all__ = ["LANGUAGES", "ExtractedRequest", "SampleError", "extract_request", "is_download", "normalise_language"]
