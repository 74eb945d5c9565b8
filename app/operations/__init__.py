"""Operations: the health check for monitors and load balancers, and the first start's /setup."""

from flask import Blueprint

bp = Blueprint("operations", __name__)
