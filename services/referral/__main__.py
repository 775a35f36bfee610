"""``python -m services.referral``: run the referral and coordination service."""

from services.referral.app import create_app
from shared.service import run_service

run_service(create_app)
