from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from audit.services import record


@receiver(user_logged_in, dispatch_uid="audit.login")
def on_login(sender, request, user, **kwargs):
    record(user, "auth.login")
    if request is not None and hasattr(request, "session"):
        # Start the idle clock at login (core.middleware.IdleSessionTimeoutMiddleware).
        import time

        request.session["last_activity"] = time.time()


@receiver(user_logged_out, dispatch_uid="audit.logout")
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        record(user, "auth.logout")
