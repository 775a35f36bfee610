"""Sanctuary services: each agency owns one; they meet only through events and commands on the bus."""
