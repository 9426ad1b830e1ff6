"""``scaffold dev``, ``emit`` and ``records``: the app on its own runtime, locally.

Imported only by those commands (``scaffold --help`` and the others never load it). The node
side (the platform model, its HTTP server and events broker, the runtime boot harness) is the
generated app's own test support, rendered from the component templates and compiled with
the app's TypeScript; this package builds it, runs it and talks to it.
"""
