"""``python -m services.assessment``: run the assessment service."""

from services.assessment.app import create_app
from shared.service import run_service

run_service(create_app)
