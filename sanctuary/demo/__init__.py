"""The scheme year you can watch: a deterministic synthetic year of referrals driven through the real
services over the real bus, then the quarterly report (``sanctuary demo``, ``make run``)."""
