"""The shared kernel: event store, envelope, crypto, settings and logging used by every service.

Nothing here imports a service; services meet only through events and commands on the bus.
"""
