"""``python -m services.keys``: run the key custodian."""

from services.keys.app import create_app
from shared.service import run_service

run_service(create_app)
