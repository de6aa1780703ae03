"""The local AWS control plane: moto's server, with a small patch layer (see patches/)."""
