from django.apps import AppConfig


class AlignmentFundConfig(AppConfig):
    name = "alignment_fund"
    verbose_name = "Accounts"
