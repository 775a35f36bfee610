"""The operator's command-line tool and the wiring that runs the whole system; may import every service."""
