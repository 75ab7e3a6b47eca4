from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "任前审核"

    def ready(self):
        from django.db.models.signals import post_migrate

        from archives.determinations import determination_approved
        from reviews import grading_admin, grading_catalog, grading_navigation, navigation, tasks

        navigation.register()
        grading_navigation.register()
        grading_admin.register()
        post_migrate.connect(
            grading_catalog.ensure_sheet, sender=self, dispatch_uid="reviews.ensure_grading_sheet"
        )
        determination_approved.connect(
            tasks.on_determination_approved, dispatch_uid="reviews.refresh_after_determination"
        )
