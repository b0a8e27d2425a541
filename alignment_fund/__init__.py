from alignment_fund.celery import app as celery_app

__all__ = ("celery_app",)
