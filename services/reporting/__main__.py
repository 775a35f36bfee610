"""``python -m services.reporting``: run the reporting service."""

from services.reporting.app import create_app
from shared.service import run_service

run_service(create_app)
