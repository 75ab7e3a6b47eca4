from django.apps import AppConfig


class BorrowingConfig(AppConfig):
    name = "borrowing"
    verbose_name = "查借阅与转递"

    def ready(self):
        from borrowing import navigation
        from borrowing.transfers import navigation as transfer_navigation

        navigation.register()
        transfer_navigation.register()
