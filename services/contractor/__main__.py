"""``python -m services.contractor``: run the security contractor's service."""

from services.contractor.app import create_app
from shared.service import run_service

run_service(create_app)
