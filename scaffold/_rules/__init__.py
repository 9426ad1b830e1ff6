"""The rules behind ``scaffold check``, one module per concern; ``scaffold.check`` runs them."""
