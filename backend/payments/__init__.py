"""Payments: the provider interface, the sandbox provider, and the settlement of trips."""
