"""The store platforms, behind one protocol (`base.StoreClient`) and neutral dataclasses.

Nothing outside this package knows a platform's API, payloads or credentials format."""
